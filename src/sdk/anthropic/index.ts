import type Anthropic from '@anthropic-ai/sdk';
import type { ClientOptions, Middleware } from '@anthropic-ai/sdk';
import { HeadroomError } from '../../errors.js';
import {
  assertNotWrapped,
  attachHandle,
  createSession,
  type HeadroomSdkOptions,
  type WithHeadroom,
} from '../common.js';
import { sendWithHeadroom } from '../pipeline.js';
import { wireDryRequest } from '../validate-setup.js';
import { anthropicProtocol } from '../wire/anthropic.js';

export type { WithHeadroom } from '../common.js';
export * from '../entry-exports.js';
export { ANTHROPIC_RETRIEVE_TOOL } from '../retrieval-tool.js';

function isMessagesCreate(url: string, method: string | undefined): boolean {
  return (method ?? 'GET').toUpperCase() === 'POST' && new URL(url).pathname.endsWith('/v1/messages');
}

/**
 * Returns a copy of an Anthropic client whose `messages.create` (streaming or not, beta included, and the
 * `stream()` helpers built on it) compresses tool results before they are sent. The caller's client is
 * left as it was. Non-streaming calls answer the model's `headroom_retrieve` calls themselves; see the
 * README for streaming.
 *
 * @example
 * const client = withHeadroom(new Anthropic());
 * const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages });
 * console.log(client.headroom.stats().tokensSaved);
 */
export function withHeadroom<T extends Anthropic>(
  client: T,
  options: HeadroomSdkOptions = {},
): WithHeadroom<T> {
  if (!Array.isArray((client as { middleware?: unknown } | null)?.middleware)) {
    throw new HeadroomError(
      'INVALID_INPUT',
      'Expected an Anthropic client from @anthropic-ai/sdk 1.14 or later (one with `middleware`).',
      {
        fix: 'Upgrade with `npm install @anthropic-ai/sdk@latest` and pass `new Anthropic()`.',
      },
    );
  }
  assertNotWrapped(client, 'Anthropic');
  const session = createSession(options, wireDryRequest(anthropicProtocol));
  const compressing: Middleware = async function headroomMiddleware(request, next) {
    if (typeof request.body !== 'string' || !isMessagesCreate(request.url, request.method))
      return next(request);
    return sendWithHeadroom(
      { url: request.url, headers: request.headers, body: request.body },
      anthropicProtocol,
      session,
      (r) => next({ ...request, url: r.url, headers: r.headers, body: r.body }),
    );
  };
  // Innermost among the client's middleware, so the caller's own middleware sees the request it built.
  const keep = (opts: Partial<ClientOptions>): Partial<ClientOptions> =>
    opts.middleware === undefined || opts.middleware.includes(compressing)
      ? opts
      : { ...opts, middleware: [...opts.middleware, compressing] };
  const wrapped = client.withOptions({ middleware: [...client.middleware, compressing] });
  return attachHandle<T, Partial<ClientOptions>>(wrapped, session.handle, keep);
}
