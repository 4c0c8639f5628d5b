import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import { HeadroomError } from '../../errors.js';
import {
  assertNotWrapped,
  attachHandle,
  createSession,
  type HeadroomSdkOptions,
  type Session,
  type WithHeadroom,
} from '../common.js';
import { sendWithHeadroom } from '../pipeline.js';
import { wireDryRequest } from '../validate-setup.js';
import { openaiChatProtocol } from '../wire/openai-chat.js';
import { isJson, type WireProtocol } from '../wire/protocol.js';
import { responsesProtocol } from '../wire/responses.js';

export type { WithHeadroom } from '../common.js';
export * from '../entry-exports.js';
export { OPENAI_CHAT_RETRIEVE_TOOL, RESPONSES_RETRIEVE_TOOL } from '../retrieval-tool.js';

type Fetch = NonNullable<ClientOptions['fetch']>;

function protocolFor(url: string): WireProtocol | undefined {
  const path = new URL(url).pathname;
  if (path.endsWith('/chat/completions')) return openaiChatProtocol;
  if (path.endsWith('/responses')) return responsesProtocol;
  return undefined;
}

/** A fetch that compresses chat and Responses requests on their way to `inner`. */
function compressingFetch(inner: Fetch, session: Session): Fetch {
  return async function headroomFetch(input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const body = init?.body;
    const protocol = url && (init?.method ?? 'GET').toUpperCase() === 'POST' ? protocolFor(url) : undefined;
    if (!url || !protocol || typeof body !== 'string') return inner(input, init);
    return sendWithHeadroom({ url, headers: new Headers(init?.headers), body }, protocol, session, (r) =>
      inner(r.url, { ...init, headers: r.headers, body: r.body }),
    );
  };
}

/**
 * Returns a copy of an OpenAI client whose `chat.completions.create` and `responses.create` (streaming
 * or not, and the helpers built on them) compress tool outputs before they are sent. The caller's
 * client is left as it was. Non-streaming calls answer the model's `headroom_retrieve` calls
 * themselves; see the README for streaming.
 *
 * @example
 * const client = withHeadroom(new OpenAI());
 * const completion = await client.chat.completions.create({ model: 'gpt-4o', messages });
 * console.log(client.headroom.stats().tokensSaved);
 */
export function withHeadroom<T extends OpenAI>(client: T, options: HeadroomSdkOptions = {}): WithHeadroom<T> {
  const c = client as unknown as Partial<Record<'withOptions' | 'chat' | 'responses', unknown>> | null;
  if (typeof c?.withOptions !== 'function' || typeof c.chat !== 'object' || typeof c.responses !== 'object') {
    throw new HeadroomError('INVALID_INPUT', 'Expected an OpenAI client from openai 6 or later.', {
      fix: 'Install it with `npm install openai` and pass `new OpenAI()`.',
    });
  }
  assertNotWrapped(client, 'OpenAI');
  // The dry request follows the body it is given: `input` is the Responses API, anything else chat.
  const responses = wireDryRequest(responsesProtocol);
  const chat = wireDryRequest(openaiChatProtocol);
  const session = createSession(options, (request, s) =>
    isJson(request) && 'input' in request ? responses(request, s) : chat(request, s),
  );
  // The SDK keeps its fetch private; the clone headroom makes uses the same one underneath.
  const own = (client as unknown as { fetch?: Fetch }).fetch ?? globalThis.fetch;
  const wrappers = new WeakSet<Fetch>();
  const wrap = (inner: Fetch): Fetch => {
    const outer = compressingFetch(inner, session);
    wrappers.add(outer);
    return outer;
  };
  // A caller's `withOptions({ fetch })` on the wrapped client gets compression around their fetch.
  const keep = (opts: Partial<ClientOptions>): Partial<ClientOptions> =>
    opts.fetch === undefined || wrappers.has(opts.fetch) ? opts : { ...opts, fetch: wrap(opts.fetch) };
  const wrapped = client.withOptions({ fetch: wrap(own) });
  return attachHandle<T, Partial<ClientOptions>>(wrapped, session.handle, keep);
}
