import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMiddlewareRuntime, type HeadroomMiddlewareOptions, type MiddlewareHandle } from './runtime.js';

/** A request after `headroomNode()`: the body it read, as JSON when it parses, and its exact bytes. */
export interface HeadroomRequest extends IncomingMessage {
  /** The parsed body (what `express.json()` would give), or the bytes when they are not JSON. */
  body?: unknown;
  /** The bytes to forward upstream: compressed, or the original bytes byte for byte. */
  rawBody?: Buffer;
}

/** Connect-style middleware, the form Express and Connect (`app.use`) and `node:http` handlers accept. */
export type NodeMiddleware = ((
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void) & { readonly headroom: MiddlewareHandle };

/** Every byte of a request body. */
export function readBody(req: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
type End = (...args: unknown[]) => ServerResponse;

const toBytes = (chunk: unknown, encoding: unknown): Uint8Array | undefined =>
  typeof chunk === 'string'
    ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : chunk instanceof Uint8Array
      ? chunk
      : undefined;

/**
 * Node middleware (`(req, res, next)`) for Express and Connect apps that relay model calls (Fastify
 * parses bodies itself: use `headroomFastify`). Mount it before any body parser: for a POST to one
 * of `routes` it reads the body, compresses it exactly as the proxy does (the same JSON splice, the same
 * fail-open, the same ledger entry) and leaves `req.rawBody` (the bytes to forward) and `req.body` (them
 * parsed, like `express.json()`). Responses are only watched for the provider's usage. Other routes are
 * left alone, their bodies unread.
 *
 * @example
 * const app = express();
 * app.use(headroomNode({ routes: { '/v1/messages': 'anthropic' } }));
 * app.post('/v1/messages', async (req, res) => {
 *   const upstream = await fetch('https://api.anthropic.com/v1/messages', { method: 'POST', headers, body: req.rawBody });
 *   …
 * });
 */
export function headroomNode(options: HeadroomMiddlewareOptions = {}): NodeMiddleware {
  const runtime = createMiddlewareRuntime(options);
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    // Express strips a mount path from `req.url`; `originalUrl` is the path as the app received it.
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const route = runtime.routeFor(req.method ?? 'GET', new URL(url, 'http://app').pathname);
    if (!route || req.readableEnded) {
      next();
      return;
    }
    readBody(req).then(async (raw) => {
      const headers = { get: (name: string) => req.headers[name]?.toString() };
      const call = await runtime.start(route, raw, headers);
      const body = Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength);
      const out = req as HeadroomRequest;
      out.rawBody = body;
      try {
        out.body = JSON.parse(body.toString('utf8'));
      } catch {
        out.body = body;
      }
      if (call.body !== raw && req.headers['content-length'] !== undefined)
        req.headers['content-length'] = String(body.byteLength);
      watch(res, call);
      next();
    }, next);
  };
  return Object.assign(middleware, { headroom: runtime.handle });
}

/** Feeds what the app writes back to the usage reader, and closes the ledger entry when the response ends. */
function watch(
  res: ServerResponse,
  call: Awaited<ReturnType<ReturnType<typeof createMiddlewareRuntime>['start']>>,
) {
  let reader: ReturnType<typeof call.usage> | undefined;
  const push = (chunk: unknown, encoding: unknown) => {
    reader ??= call.usage(
      res.getHeader('content-type')?.toString(),
      res.getHeader('content-encoding')?.toString(),
    );
    const bytes = toBytes(chunk, encoding);
    if (bytes) reader.push(bytes);
  };
  const write = res.write as Write;
  const end = res.end as End;
  res.write = function headroomWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    push(chunk, rest[0]);
    return write.call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function headroomEnd(this: ServerResponse, ...args: unknown[]) {
    if (args[0] !== undefined && typeof args[0] !== 'function') push(args[0], args[1]);
    return end.apply(this, args);
  } as ServerResponse['end'];
  res.once('close', () => call.done(res.statusCode, res.writableFinished ? 'completed' : 'cancelled'));
}
