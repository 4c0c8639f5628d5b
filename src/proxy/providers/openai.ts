import type { Provider } from './provider.js';

/**
 * OpenAI Chat Completions (`messages`) and Responses (`input`, when it is an array of items; a plain
 * string input has no tool outputs). `instructions` and `tools` are never touched; system and developer
 * messages inside `messages` are left alone by the compress options the proxy passes.
 */
export const openaiProvider: Provider = {
  name: 'openai',
  isModelCall: (method, path) =>
    method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/responses'),
  target(path, body) {
    if (path === '/v1/responses') {
      const input = body.input;
      if (typeof input === 'string') return { reason: 'nothing-to-compress' };
      if (!Array.isArray(input)) return { reason: 'unknown-shape' };
      return { field: 'input', messages: input };
    }
    const messages = body.messages;
    if (!Array.isArray(messages)) return { reason: 'unknown-shape' };
    return { field: 'messages', messages };
  },
  errorBody: (message) =>
    JSON.stringify({ error: { message, type: 'upstream_error', code: null, param: null } }),
};
