import type { MiddlewareHandler } from 'hono';
import { createMiddlewareRuntime, type HeadroomMiddlewareOptions, type MiddlewareHandle } from './runtime.js';

/** `headroomHono()`'s result: a Hono middleware that also reports its savings. */
export type HeadroomHonoMiddleware = MiddlewareHandler & { readonly headroom: MiddlewareHandle };

/**
 * Hono middleware for apps that relay model calls: the body of a POST to one of `routes` is compressed
 * exactly as the proxy compresses it (the same JSON splice, the same fail-open, the same ledger entry)
 * before the app's handler reads it with `c.req.arrayBuffer()`, `c.req.json()` or `c.req.raw`. The
 * response streams back untouched; it is only watched for the provider's usage. Other routes are left alone.
 *
 * @example
 * const app = new Hono();
 * app.use(headroomHono({ routes: { '/llm/v1/messages': 'anthropic' } }));
 * app.post('/llm/v1/messages', (c) => fetch('https://api.anthropic.com/v1/messages', {
 *   method: 'POST', headers: c.req.raw.headers, body: c.req.raw.body, duplex: 'half',
 * }));
 */
export function headroomHono(options: HeadroomMiddlewareOptions = {}): HeadroomHonoMiddleware {
  const runtime = createMiddlewareRuntime(options);
  const middleware: MiddlewareHandler = async (c, next) => {
    const route = runtime.routeFor(c.req.method, c.req.path);
    if (!route) return next();
    const request = c.req.raw;
    // Through Hono's body cache: a middleware before this one may have read the body already
    // (`c.req.json()`), which leaves `request` itself unreadable.
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const call = await runtime.start(route, raw, request.headers);
    const headers = new Headers(request.headers);
    if (call.body !== raw && headers.has('content-length'))
      headers.set('content-length', String(call.body.byteLength));
    // Only the body changes; method, URL, headers and the abort signal stay the caller's.
    c.req.raw = new Request(request, { body: call.body, headers });
    // What is cached is the caller's body; the handler must read the one headroom made.
    c.req.bodyCache = {};
    await next();
    const response = c.res;
    if (!response.body) {
      call.done(response.status, 'completed');
      return;
    }
    const reader = call.usage(
      response.headers.get('content-type') ?? undefined,
      response.headers.get('content-encoding') ?? undefined,
    );
    const body = response.body.getReader();
    // Pulled chunk by chunk, so a client that leaves mid-stream still closes the ledger entry (`cancel`).
    const watched = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await body.read();
        if (done) {
          controller.close();
          call.done(response.status, 'completed');
          return;
        }
        reader.push(value);
        controller.enqueue(value);
      },
      cancel(reason) {
        call.done(response.status, 'cancelled');
        return body.cancel(reason);
      },
    });
    c.res = new Response(watched, response);
  };
  return Object.assign(middleware, { headroom: runtime.handle });
}
