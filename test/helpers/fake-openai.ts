import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  type Delivery,
  type FakeServer,
  fakeId,
  pieces,
  type RawReply,
  type RecordedRequest,
  replyFramer,
  SSE_HEADERS,
  sha256,
  sse,
  startFakeServer,
} from './fake-server.js';

export interface OpenAIUsageOverride {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cachedTokens?: number;
}

/**
 * One scripted answer to `POST /v1/chat/completions` or `POST /v1/responses`, rendered in that API's
 * format, as SSE when the request asked for `stream: true`. Every reply gets its own ids.
 */
export type OpenAIReply =
  | { readonly kind: 'text'; readonly text: string; readonly usage?: OpenAIUsageOverride }
  | {
      readonly kind: 'tool_call';
      /** The call's id (chat `tool_calls[].id`, Responses `call_id`); default a fresh one. */
      readonly callId?: string;
      readonly name: string;
      /** Responses only: the namespace of a namespaced tool (Codex puts MCP tools in `mcp__<server>`). */
      readonly namespace?: string;
      readonly arguments: string;
      readonly usage?: OpenAIUsageOverride;
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly message: string;
      readonly type?: string;
      readonly code?: string;
      readonly headers?: Record<string, string>;
    }
  /** Starts streaming `text`, then an error (chat: an `error` data line; Responses: an `error` event). */
  | { readonly kind: 'stream-error'; readonly text: string }
  /** Streams the start of `text`, then keeps the connection open until the caller goes away. */
  | { readonly kind: 'hang'; readonly text: string }
  | { readonly kind: 'raw'; readonly reply: RawReply };

export interface FakeOpenAIOptions extends Delivery {
  readonly replies?: readonly OpenAIReply[];
  readonly fallback?: OpenAIReply;
  /**
   * The Responses WebSocket transport (`GET /v1/responses` with `Upgrade: websocket`): `accept` speaks it
   * (each `response.create` frame is recorded as a model request and answered from the same script, one
   * event per text frame); a number refuses the upgrade with that status. Default: no upgrade handler.
   */
  readonly websocket?: 'accept' | number;
  /**
   * Answers a request outside the script when it returns a reply: an agent's side requests (the Codex TUI
   * asks for a thread title) would otherwise take the scripted replies meant for its turns.
   */
  readonly aside?: (req: RecordedRequest) => OpenAIReply | undefined;
}

export interface FakeOpenAI extends FakeServer {
  push(...replies: OpenAIReply[]): void;
  /** Chat-completions and Responses requests only: WebSocket `response.create` frames included, warm-ups (`generate: false`) not. */
  modelRequests(): RecordedRequest[];
  /** The headers of each WebSocket upgrade the fake received, accepted or not. */
  readonly upgrades: IncomingHttpHeaders[];
  /** Every frame the fake received over WebSocket, exact bytes, in order. */
  readonly frames: Buffer[];
  /** Bytes the fake's WebSocket connections hold unsent: what its peer has not read yet. */
  socketBuffered(): number;
  /** Stops (true) or restarts (false) reading every WebSocket connection, as a stalled provider would. */
  holdSockets(hold: boolean): void;
}

/** A WebSocket frame recorded like an HTTP request, so the same readers serve both transports. */
function frameRequest(url: string, headers: IncomingHttpHeaders, body: Buffer): RecordedRequest {
  return {
    method: 'WEBSOCKET',
    url,
    path: url.split('?')[0]!,
    headers,
    rawHeaders: [],
    body,
    sha256: sha256(body),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
    outcome: Promise.resolve('finished'),
  };
}

const CREATED = 1_760_000_000;

interface Counts {
  input: number;
  output: number;
  cached: number;
}

const counts = (req: RecordedRequest, o: OpenAIUsageOverride | undefined): Counts => ({
  input: o?.inputTokens ?? Math.ceil(req.body.length / 4),
  output: o?.outputTokens ?? 9,
  cached: o?.cachedTokens ?? 0,
});

const chatUsage = (c: Counts) => ({
  prompt_tokens: c.input,
  completion_tokens: c.output,
  total_tokens: c.input + c.output,
  prompt_tokens_details: { cached_tokens: c.cached, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
});

const responsesUsage = (c: Counts) => ({
  input_tokens: c.input,
  input_tokens_details: { cached_tokens: c.cached },
  output_tokens: c.output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: c.input + c.output,
});

type Ok = Extract<OpenAIReply, { kind: 'text' | 'tool_call' }>;

function chatJson(reply: Ok, model: string, c: Counts) {
  const message =
    reply.kind === 'text'
      ? { role: 'assistant', content: reply.text, refusal: null }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: reply.callId ?? fakeId('call'),
              type: 'function',
              function: { name: reply.name, arguments: reply.arguments },
            },
          ],
        };
  return {
    id: fakeId('chatcmpl'),
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: reply.kind === 'text' ? 'stop' : 'tool_calls' },
    ],
    usage: chatUsage(c),
  };
}

function chatChunks(
  reply: Ok | { kind: 'partial'; text: string },
  model: string,
  c: Counts,
  includeUsage: boolean,
) {
  const id = fakeId('chatcmpl');
  // With `include_usage`, OpenAI sends `usage: null` on every chunk before the last one, which holds it.
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const out: unknown[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  if (reply.kind === 'tool_call') {
    out.push(
      chunk({
        tool_calls: [
          {
            index: 0,
            id: reply.callId ?? fakeId('call'),
            type: 'function',
            function: { name: reply.name, arguments: '' },
          },
        ],
      }),
    );
    for (const p of pieces(reply.arguments, 4))
      out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }));
  } else {
    for (const p of pieces(reply.text)) out.push(chunk({ content: p }));
  }
  if (reply.kind === 'partial') return out;
  out.push(chunk({}, reply.kind === 'text' ? 'stop' : 'tool_calls'));
  if (includeUsage)
    out.push({
      id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      choices: [],
      usage: chatUsage(c),
    });
  return out;
}

function responseItem(reply: Ok) {
  if (reply.kind === 'text') {
    return {
      type: 'message',
      id: fakeId('msg'),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
  }
  return {
    type: 'function_call',
    id: fakeId('fc'),
    call_id: reply.callId ?? fakeId('call'),
    ...(reply.namespace === undefined ? {} : { namespace: reply.namespace }),
    name: reply.name,
    arguments: reply.arguments,
    status: 'completed',
  };
}

function responseObject(id: string, model: string, status: string, output: unknown[], usage: unknown) {
  return {
    id,
    object: 'response',
    created_at: CREATED,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    usage,
  };
}

function responsesEvents(reply: Ok | { kind: 'partial'; text: string }, model: string, c: Counts) {
  const id = fakeId('resp');
  let seq = 0;
  const events: { event: string; data: unknown }[] = [];
  const emit = (type: string, data: Record<string, unknown>) =>
    events.push({ event: type, data: { type, sequence_number: seq++, ...data } });
  emit('response.created', { response: responseObject(id, model, 'in_progress', [], null) });
  emit('response.in_progress', { response: responseObject(id, model, 'in_progress', [], null) });
  if (reply.kind === 'tool_call') {
    const item = responseItem(reply);
    emit('response.output_item.added', {
      output_index: 0,
      item: { ...item, arguments: '', status: 'in_progress' },
    });
    for (const p of pieces(reply.arguments, 4))
      emit('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: p });
    emit('response.function_call_arguments.done', {
      item_id: item.id,
      output_index: 0,
      arguments: reply.arguments,
    });
    emit('response.output_item.done', { output_index: 0, item });
    emit('response.completed', {
      response: responseObject(id, model, 'completed', [item], responsesUsage(c)),
    });
    return events;
  }
  const item = responseItem({ kind: 'text', text: reply.text });
  const part = { type: 'output_text', text: '', annotations: [] };
  emit('response.output_item.added', {
    output_index: 0,
    item: { ...item, status: 'in_progress', content: [] },
  });
  emit('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part });
  for (const p of pieces(reply.text))
    emit('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: p });
  if (reply.kind === 'partial') return events;
  emit('response.output_text.done', {
    item_id: item.id,
    output_index: 0,
    content_index: 0,
    text: reply.text,
  });
  emit('response.content_part.done', {
    item_id: item.id,
    output_index: 0,
    content_index: 0,
    part: { ...part, text: reply.text },
  });
  emit('response.output_item.done', { output_index: 0, item });
  emit('response.completed', { response: responseObject(id, model, 'completed', [item], responsesUsage(c)) });
  return events;
}

/**
 * A fake OpenAI API on loopback: Chat Completions and Responses (scripted, stream or JSON, `[DONE]`,
 * usage chunk when `stream_options.include_usage`), `GET /v1/models`. Records exact bytes and headers.
 *
 * @example
 * const fake = await startFakeOpenAI({ replies: [{ kind: 'text', text: 'hi' }] });
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const script: OpenAIReply[] = [...(options.replies ?? [])];
  const fallback: OpenAIReply = options.fallback ?? { kind: 'text', text: 'ok' };
  const { framed, json } = replyFramer(options, 'x-request-id');

  const server = await startFakeServer((req) => {
    if (req.method === 'GET' && req.path === '/v1/models') {
      return json(200, {
        object: 'list',
        data: [{ id: 'gpt-5', object: 'model', created: CREATED, owned_by: 'openai' }],
      });
    }
    const chat = req.path === '/v1/chat/completions';
    if (req.method !== 'POST' || !(chat || req.path === '/v1/responses')) {
      return json(404, {
        error: { message: `no route ${req.path}`, type: 'invalid_request_error', param: null, code: null },
      });
    }
    const reply = options.aside?.(req) ?? script.shift() ?? fallback;
    if (reply.kind === 'raw') return reply.reply;
    if (reply.kind === 'error') {
      const body = {
        error: {
          message: reply.message,
          type: reply.type ?? 'invalid_request_error',
          param: null,
          code: reply.code ?? null,
        },
      };
      return framed(
        reply.status,
        { 'content-type': 'application/json', ...reply.headers },
        Buffer.from(JSON.stringify(body)),
      );
    }
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return json(400, {
        error: {
          message: 'We could not parse the JSON body of your request.',
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    const model = typeof body.model === 'string' ? body.model : 'gpt-5';
    const c = counts(req, 'usage' in reply ? reply.usage : undefined);
    const stream = body.stream === true;
    if (reply.kind === 'stream-error' || reply.kind === 'hang') {
      const partial = { kind: 'partial' as const, text: reply.text };
      if (chat) {
        const chunks = chatChunks(partial, model, c, false).map((data) => ({ data }));
        if (reply.kind === 'hang') return framed(200, SSE_HEADERS, sse(chunks), true);
        chunks.push({
          data: {
            error: {
              message: 'The server had an error while processing your request.',
              type: 'server_error',
              param: null,
              code: null,
            },
          },
        });
        return framed(200, SSE_HEADERS, sse(chunks));
      }
      const events = responsesEvents(partial, model, c);
      if (reply.kind === 'hang') return framed(200, SSE_HEADERS, sse(events), true);
      events.push({
        event: 'error',
        data: {
          type: 'error',
          sequence_number: events.length,
          code: 'server_error',
          message: 'The server had an error.',
          param: null,
        },
      });
      return framed(200, SSE_HEADERS, sse(events));
    }
    if (chat) {
      if (!stream) return json(200, chatJson(reply, model, c));
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const chunks: { data: unknown }[] = chatChunks(reply, model, c, includeUsage).map((data) => ({ data }));
      chunks.push({ data: '[DONE]' });
      return framed(200, SSE_HEADERS, sse(chunks));
    }
    if (!stream)
      return json(
        200,
        responseObject(fakeId('resp'), model, 'completed', [responseItem(reply)], responsesUsage(c)),
      );
    return framed(200, SSE_HEADERS, sse(responsesEvents(reply, model, c)));
  });

  const upgrades: IncomingHttpHeaders[] = [];
  const frames: Buffer[] = [];
  const sockets = new WebSocketServer({ noServer: true });
  if (options.websocket !== undefined) {
    server.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgrades.push(req.headers);
      const url = req.url ?? '/';
      if (options.websocket !== 'accept' || url.split('?')[0] !== '/v1/responses') {
        const status = typeof options.websocket === 'number' ? options.websocket : 404;
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      sockets.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data: Buffer) => {
          frames.push(data);
          const request = frameRequest(url, req.headers, data);
          let frame: { type?: unknown; model?: unknown; generate?: unknown };
          try {
            frame = request.json();
          } catch {
            return;
          }
          if (frame.type !== 'response.create') return;
          if (frame.generate === false) {
            // Codex's warm-up: a response with no output, answered without using up the script.
            for (const event of warmUpEvents(frame, request)) ws.send(JSON.stringify(event));
            return;
          }
          server.requests.push(request);
          for (const event of socketEvents(
            options.aside?.(request) ?? script.shift() ?? fallback,
            frame,
            request,
          )) {
            ws.send(JSON.stringify(event));
          }
        });
      });
    });
  }

  return {
    ...server,
    upgrades,
    frames,
    socketBuffered: () => [...sockets.clients].reduce((sum, ws) => sum + ws.bufferedAmount, 0),
    holdSockets: (hold) => {
      for (const ws of sockets.clients) hold ? ws.pause() : ws.resume();
    },
    push: (...replies) => {
      script.push(...replies);
    },
    modelRequests: () =>
      server.requests.filter(
        (r) =>
          (r.method === 'POST' && (r.path === '/v1/chat/completions' || r.path === '/v1/responses')) ||
          (r.method === 'WEBSOCKET' && r.path === '/v1/responses'),
      ),
  };
}

/** The answer to a `generate: false` frame: created, then completed with no output. */
function warmUpEvents(frame: { model?: unknown }, req: RecordedRequest): unknown[] {
  const model = typeof frame.model === 'string' ? frame.model : 'gpt-5';
  const id = fakeId('resp');
  const usage = responsesUsage({ ...counts(req, undefined), output: 0 });
  return [
    {
      type: 'response.created',
      sequence_number: 0,
      response: responseObject(id, model, 'in_progress', [], null),
    },
    {
      type: 'response.completed',
      sequence_number: 1,
      response: responseObject(id, model, 'completed', [], usage),
    },
  ];
}

/**
 * A scripted reply as Responses WebSocket events: the SSE events' payloads; for `stream-error` the start
 * of a response, then `response.failed`; or one `error` event.
 */
function socketEvents(reply: OpenAIReply, frame: { model?: unknown }, req: RecordedRequest): unknown[] {
  if (reply.kind === 'text' || reply.kind === 'tool_call') {
    const model = typeof frame.model === 'string' ? frame.model : 'gpt-5';
    return responsesEvents(reply, model, counts(req, reply.usage)).map((e) => e.data);
  }
  // The start of a response whose end never comes.
  if (reply.kind === 'hang')
    return responsesEvents({ kind: 'partial', text: reply.text }, 'gpt-5', counts(req, undefined)).map(
      (e) => e.data,
    );
  if (reply.kind === 'stream-error') {
    const started = responsesEvents({ kind: 'partial', text: reply.text }, 'gpt-5', counts(req, undefined));
    const created = started[0]!.data as { response: { id: string } };
    const error = { code: 'server_error', message: 'The model failed mid-response.' };
    const response = { ...responseObject(created.response.id, 'gpt-5', 'failed', [], null), error };
    return [
      ...started.map((e) => e.data),
      { type: 'response.failed', sequence_number: started.length, response },
    ];
  }
  const status = reply.kind === 'error' ? reply.status : 500;
  const message = reply.kind === 'error' ? reply.message : `the fake has no WebSocket form of ${reply.kind}`;
  const type = reply.kind === 'error' ? (reply.type ?? 'invalid_request_error') : 'server_error';
  return [{ type: 'error', status, error: { type, code: null, message, param: null } }];
}
