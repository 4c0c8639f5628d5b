import {
  type Delivery,
  type FakeServer,
  fakeId,
  pieces,
  type RawReply,
  type RecordedRequest,
  replyFramer,
  SSE_HEADERS,
  sse,
  startFakeServer,
} from './fake-server.js';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * One scripted answer to `POST /v1/messages`. Text and tool-use replies come back as SSE when the request
 * asked for `stream: true`, as JSON otherwise. Every reply gets its own message id (Claude Code merges
 * assistant blocks that share one).
 */
export type AnthropicReply =
  | {
      readonly kind: 'text';
      readonly text: string;
      readonly thinking?: { readonly thinking: string; readonly signature: string };
      /** Adds a `citations_delta` event to the stream. */
      readonly citation?: string;
      readonly usage?: Partial<AnthropicUsage>;
    }
  | {
      readonly kind: 'tool_use';
      /** The tool_use block's id; default a fresh one. */
      readonly id?: string;
      readonly name: string;
      readonly input: Record<string, unknown>;
      readonly text?: string;
      readonly usage?: Partial<AnthropicUsage>;
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly type: string;
      readonly message: string;
      readonly headers?: Record<string, string>;
    }
  /** Starts streaming `text`, then sends an `error` event and ends. */
  | { readonly kind: 'stream-error'; readonly text: string; readonly errorType?: string }
  /** Streams the start of `text`, then keeps the connection open until the caller goes away. */
  | { readonly kind: 'hang'; readonly text: string }
  | { readonly kind: 'raw'; readonly reply: RawReply };

export interface FakeAnthropicOptions extends Delivery {
  readonly replies?: readonly AnthropicReply[];
  /** Used when the script runs out. Default: a short text reply. */
  readonly fallback?: AnthropicReply;
  /** Send a `ping` event after `message_start` (the real API does). Default true. */
  readonly ping?: boolean;
  /**
   * Answers a request outside the script when it returns a reply: an agent's side requests (an interactive
   * Claude Code asks for a session title) would otherwise take the scripted replies meant for its turns.
   */
  readonly aside?: (req: RecordedRequest) => AnthropicReply | undefined;
}

export interface FakeAnthropic extends FakeServer {
  /** Appends replies to the script. */
  push(...replies: AnthropicReply[]): void;
  /** The `POST /v1/messages` requests only. */
  messageRequests(): RecordedRequest[];
}

function usageFor(req: RecordedRequest, override: Partial<AnthropicUsage> | undefined): AnthropicUsage {
  return {
    input_tokens: Math.ceil(req.body.length / 4),
    output_tokens: 12,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...override,
  };
}

type Block = Record<string, unknown>;

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(textsOf);
  return [];
}

/**
 * `count_tokens` as the real API answers it, closely enough for Claude Code's Read cap: about 3 characters
 * a token over the text of the messages (Claude Code sends a file's raw text as one user message). A
 * constant or a count of the JSON bytes would hide the cap (design note §10).
 */
function countLikeTheApi(req: RecordedRequest): number {
  try {
    const chars = textsOf(req.json<{ messages?: unknown }>().messages).reduce((n, t) => n + t.length, 0);
    return Math.ceil(chars / 3);
  } catch {
    return Math.ceil(req.body.length / 3);
  }
}

function contentOf(reply: Extract<AnthropicReply, { kind: 'text' | 'tool_use' }>): Block[] {
  if (reply.kind === 'tool_use') {
    const blocks: Block[] = [];
    if (reply.text) blocks.push({ type: 'text', text: reply.text });
    blocks.push({ type: 'tool_use', id: reply.id ?? fakeId('toolu'), name: reply.name, input: reply.input });
    return blocks;
  }
  const blocks: Block[] = [];
  if (reply.thinking) blocks.push({ type: 'thinking', ...reply.thinking });
  blocks.push({ type: 'text', text: reply.text });
  return blocks;
}

function streamEvents(
  message: Record<string, unknown>,
  blocks: Block[],
  usage: AnthropicUsage,
  options: { ping: boolean; citation: string | undefined; stopReason: string },
): { event: string; data: unknown }[] {
  const events: { event: string; data: unknown }[] = [];
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: 1 },
  };
  events.push({ event: 'message_start', data: { type: 'message_start', message: start } });
  if (options.ping) events.push({ event: 'ping', data: { type: 'ping' } });
  blocks.forEach((block, index) => {
    const delta = (d: unknown) =>
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
    if (block.type === 'thinking') {
      events.push({
        event: 'content_block_start',
        data: {
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        },
      });
      for (const p of pieces(block.thinking as string)) delta({ type: 'thinking_delta', thinking: p });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'text') {
      events.push({
        event: 'content_block_start',
        data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      });
      for (const p of pieces(block.text as string)) delta({ type: 'text_delta', text: p });
      if (options.citation) {
        delta({
          type: 'citations_delta',
          citation: {
            type: 'char_location',
            cited_text: options.citation,
            document_index: 0,
            document_title: null,
            start_char_index: 0,
            end_char_index: options.citation.length,
          },
        });
      }
    } else {
      events.push({
        event: 'content_block_start',
        data: { type: 'content_block_start', index, content_block: { ...block, input: {} } },
      });
      for (const p of pieces(JSON.stringify(block.input), 4))
        delta({ type: 'input_json_delta', partial_json: p });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: options.stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

const errorBody = (type: string, message: string) =>
  JSON.stringify({ type: 'error', error: { type, message } });

/**
 * A fake Anthropic API on loopback: `POST /v1/messages` (scripted, stream or JSON), `count_tokens`,
 * `GET /v1/models`, `HEAD /`. Records every request's exact bytes and headers.
 *
 * @example
 * const fake = await startFakeAnthropic({ replies: [{ kind: 'text', text: 'hi' }] });
 * // new Anthropic({ baseURL: proxyUrl }) with anthropicUpstream: fake.url
 */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const script: AnthropicReply[] = [...(options.replies ?? [])];
  const fallback: AnthropicReply = options.fallback ?? { kind: 'text', text: 'ok' };
  const { framed, json } = replyFramer(options, 'request-id');

  const server = await startFakeServer((req) => {
    if (req.method === 'HEAD' || (req.method === 'GET' && req.path === '/')) return { status: 200 };
    if (req.method === 'GET' && req.path === '/v1/models') {
      return json(200, {
        data: [
          {
            type: 'model',
            id: 'claude-sonnet-4-6',
            display_name: 'Claude Sonnet 4.6',
            created_at: '2026-02-17T00:00:00Z',
          },
        ],
        has_more: false,
        first_id: 'claude-sonnet-4-6',
        last_id: 'claude-sonnet-4-6',
      });
    }
    if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') {
      return json(200, { input_tokens: countLikeTheApi(req) });
    }
    if (req.method !== 'POST' || req.path !== '/v1/messages') {
      return json(404, {
        type: 'error',
        error: { type: 'not_found_error', message: `no route ${req.path}` },
      });
    }
    const reply = options.aside?.(req) ?? script.shift() ?? fallback;
    if (reply.kind === 'raw') return reply.reply;
    if (reply.kind === 'error') {
      return framed(
        reply.status,
        { 'content-type': 'application/json', ...reply.headers },
        Buffer.from(errorBody(reply.type, reply.message)),
      );
    }
    let body: Record<string, unknown> = {};
    try {
      body = req.json();
    } catch {
      return json(400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'body is not valid JSON' },
      });
    }
    const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-6';
    const message = { id: fakeId('msg'), type: 'message', role: 'assistant', model };
    const usage = usageFor(req, 'usage' in reply ? reply.usage : undefined);
    if (reply.kind === 'stream-error' || reply.kind === 'hang') {
      const events = streamEvents(message, [{ type: 'text', text: reply.text }], usage, {
        ping: false,
        citation: undefined,
        stopReason: 'end_turn',
      });
      const head = events.slice(0, 3);
      if (reply.kind === 'hang') return framed(200, SSE_HEADERS, sse(head), true);
      head.push({
        event: 'error',
        data: {
          type: 'error',
          error: { type: reply.errorType ?? 'overloaded_error', message: 'Overloaded' },
        },
      });
      return framed(200, SSE_HEADERS, sse(head));
    }
    const blocks = contentOf(reply);
    const stopReason = reply.kind === 'tool_use' ? 'tool_use' : 'end_turn';
    if (body.stream === true) {
      const citation = reply.kind === 'text' ? reply.citation : undefined;
      const events = streamEvents(message, blocks, usage, {
        ping: options.ping ?? true,
        citation,
        stopReason,
      });
      return framed(200, SSE_HEADERS, sse(events));
    }
    return json(200, { ...message, content: blocks, stop_reason: stopReason, stop_sequence: null, usage });
  });

  return {
    ...server,
    push: (...replies) => {
      script.push(...replies);
    },
    messageRequests: () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
  };
}
