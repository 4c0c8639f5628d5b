import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from './provider.js';

/**
 * Anthropic Messages API. Only `messages` is compressed: `system` and `tools` are instructions and
 * definitions the provider caches as a prefix, so touching them would cost more than it saves.
 */
export const anthropicProvider: Provider = {
  name: 'anthropic',
  isModelCall: (method, path) => method === 'POST' && path === '/v1/messages',
  target(_path, body) {
    const messages = body.messages;
    if (!Array.isArray(messages)) return { reason: 'unknown-shape' };
    return { field: 'messages', messages };
  },
  errorBody: (message) => JSON.stringify({ type: 'error', error: { type: 'api_error', message } }),
};

/** Requests that belong to Anthropic even off its model endpoints (e.g. Claude Code's `HEAD /`). */
export function looksAnthropic(path: string, headers: IncomingHttpHeaders): boolean {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/') || path === '/v1/complete') return true;
  if (headers['anthropic-version'] || headers['x-api-key'] || headers['anthropic-beta']) return true;
  return /\b(?:claude-cli|claude-code|anthropic)/i.test(headers['user-agent'] ?? '');
}
