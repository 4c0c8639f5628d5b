/**
 * A scripted model provider on 127.0.0.1 for driving the real agents offline: Anthropic Messages (SSE)
 * for Claude Code, OpenAI Responses (SSE) for Codex. Each agent request that carries tools is answered
 * from the current plan: first with one tool call, then, once the tool's output comes back, with a final
 * text. Every request body is recorded as it arrived, so tool results can be saved byte for byte.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The one tool call a run makes before it ends. */
export interface ToolPlan {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** The body exactly as it arrived (empty for GET/HEAD). */
  readonly raw: string;
}

export interface FakeProvider {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /**
   * Sets the tool call for the next agent run and forgets earlier requests. `follow`, when given, plays
   * the model after each Anthropic tool result: the next call, or undefined to finish.
   */
  plan(tool: ToolPlan, follow?: (body: Json) => ToolPlan | undefined): void;
  stop(): Promise<void>;
}

export type Json = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sse(res: ServerResponse, events: ReadonlyArray<readonly [string, Json]>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}

function lastUserHasToolResult(body: Json): boolean {
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const last = messages.at(-1);
  return Array.isArray(last?.content) && (last.content as Json[]).some((b) => b.type === 'tool_result');
}

/**
 * What Codex's model does next: make the planned call, poll a command that is still running (as a
 * model would, with `write_stdin`), or finish once a command's output has come back.
 */
function nextCodexCall(body: Json, tool: ToolPlan | undefined): ToolPlan | undefined {
  const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
  const outputs = input.filter((item) => item.type === 'function_call_output');
  if (outputs.length === 0) return tool;
  const last = outputs.at(-1)?.output;
  const running = typeof last === 'string' ? /^Process running with session ID (\d+)$/m.exec(last) : null;
  if (!running) return undefined;
  const poll = { session_id: Number(running[1]), chars: '', yield_time_ms: 300_000 };
  return {
    name: 'write_stdin',
    input: {
      ...poll,
      ...(tool?.input.max_output_tokens ? { max_output_tokens: tool.input.max_output_tokens } : {}),
    },
  };
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

const USAGE = {
  input_tokens: 100,
  output_tokens: 10,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

function anthropicReply(res: ServerResponse, id: string, model: string, tool: ToolPlan | undefined): void {
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    usage: USAGE,
  };
  const events: Array<readonly [string, Json]> = [['message_start', { type: 'message_start', message }]];
  if (tool) {
    const block = { type: 'tool_use', id: `toolu_${id}`, name: tool.name, input: {} };
    events.push(
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: block }],
      [
        'content_block_delta',
        {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input) },
        },
      ],
    );
  } else {
    events.push(
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Done.' } },
      ],
    );
  }
  events.push(
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: 10 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  );
  sse(res, events);
}

function responsesReply(res: ServerResponse, id: string, model: string, tool: ToolPlan | undefined): void {
  const item: Json = tool
    ? {
        type: 'function_call',
        id: `fc_${id}`,
        call_id: `call_${id}`,
        name: tool.name,
        arguments: JSON.stringify(tool.input),
        status: 'completed',
      }
    : {
        type: 'message',
        id: `msg_${id}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Done.', annotations: [] }],
      };
  const response = {
    id: `resp_${id}`,
    object: 'response',
    model,
    status: 'in_progress',
    output: [] as Json[],
  };
  const usage = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 110,
  };
  sse(res, [
    ['response.created', { type: 'response.created', response }],
    ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item }],
    ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }],
    [
      'response.completed',
      { type: 'response.completed', response: { ...response, status: 'completed', output: [item], usage } },
    ],
  ]);
}

export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  let tool: ToolPlan | undefined;
  let follow: ((body: Json) => ToolPlan | undefined) | undefined;
  let counter = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', url, raw });
      const path = url.split('?')[0];
      if (req.method === 'GET' && path === '/v1/responses') {
        // Codex tries the WebSocket transport first; 426 makes it fall back to HTTP SSE at once.
        res.writeHead(426, { 'content-type': 'text/plain' }).end('Upgrade Required');
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(req.method === 'HEAD' ? 200 : 404).end();
        return;
      }
      const body = JSON.parse(raw) as Json;
      const model = typeof body.model === 'string' ? body.model : 'fake';
      counter += 1;
      const id = `fake${String(counter).padStart(4, '0')}`;
      const agentTurn = Array.isArray(body.tools) && body.tools.length > 0;
      if (path === '/v1/messages/count_tokens') {
        // Claude Code asks before sending a big Read. The real API counts about 3 characters a token on
        // code and JSON; a lower count would let files through that Claude Code really cuts.
        const chars = strings(body.messages).reduce((n, text) => n + text.length, 0);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ input_tokens: Math.ceil(chars / 3) }));
      } else if (path === '/v1/messages') {
        const next = !agentTurn ? undefined : lastUserHasToolResult(body) ? follow?.(body) : tool;
        anthropicReply(res, `msg_${id}`, model, next);
      } else if (path === '/v1/responses') {
        responsesReply(res, id, model, agentTurn ? nextCodexCall(body, tool) : undefined);
      } else {
        res.writeHead(404).end();
      }
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    plan(next, then) {
      tool = next;
      follow = then;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
