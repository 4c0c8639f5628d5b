import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake provider received it. */
export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly raw: string;
  /** Parsed JSON; tests cast it to the SDK's own request type. */
  readonly body: unknown;
}

/** A scripted answer: a JSON body, or server-sent events written one by one. */
export type Reply =
  | { readonly json: unknown; readonly status?: number }
  | { readonly sse: readonly string[] };

export interface FakeProvider {
  /** Base URL, e.g. http://127.0.0.1:43210 */
  readonly url: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

function write(res: ServerResponse, reply: Reply): void {
  if ('json' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of reply.sse) res.write(event);
  res.end();
}

/**
 * A loopback HTTP server that records every request and answers with the next scripted reply (the last
 * one repeats). Enough of a provider for the real SDKs to talk to.
 */
export async function startFakeProvider(replies: readonly Reply[]): Promise<FakeProvider> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, raw, body });
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)];
      if (reply) write(res, reply);
      else res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** One server-sent event; `event` is omitted for OpenAI-style streams. */
export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
