import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Readable, Transform } from 'node:stream';
import type { UsageReader } from '../proxy/usage.js';
import { readBody } from './node.js';
import {
  createMiddlewareRuntime,
  type HeadroomMiddlewareOptions,
  type MiddlewareHandle,
  type ModelCall,
} from './runtime.js';

/** The parts of Fastify's request and reply the plugin uses (typed here so Fastify stays optional). */
interface FastifyRequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly routeOptions?: { readonly bodyLimit?: number };
  rawBody?: Buffer;
}
interface FastifyReplyLike {
  readonly statusCode: number;
  readonly raw: { once(event: 'close', listener: () => void): unknown; readonly writableFinished: boolean };
  getHeader(name: string): unknown;
}
interface FastifyLike {
  addHook(
    name: 'preParsing',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, payload: Readable) => Promise<Readable>,
  ): unknown;
  addHook(
    name: 'onSend',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>,
  ): unknown;
}

/** `headroomFastify()`'s result: a Fastify plugin (register it on the app) that also reports its savings. */
export type HeadroomFastifyPlugin = ((app: FastifyLike) => Promise<void>) & {
  readonly headroom: MiddlewareHandle;
};

/** `body` as it is, its bytes fed to the usage reader on their way through. */
function watchWeb<T>(body: ReadableStream<T>, reader: UsageReader): ReadableStream<T> {
  return body.pipeThrough(
    new TransformStream<T, T>({
      transform(chunk, controller) {
        if (chunk instanceof Uint8Array) reader.push(chunk);
        else if (typeof chunk === 'string') reader.push(Buffer.from(chunk));
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Fastify plugin for apps that relay model calls. Fastify reads bodies itself, so instead of a connect
 * middleware this hooks `preParsing`: the body of a POST to one of `routes` is compressed exactly as the
 * proxy does before Fastify parses it, so `request.body` is the compressed JSON and `request.rawBody` the
 * bytes to forward. Replies are only watched for the provider's usage. Other routes are left alone.
 *
 * @example
 * const app = Fastify({ bodyLimit: 32 * 1024 * 1024 });
 * await app.register(headroomFastify({ routes: { '/v1/messages': 'anthropic' } }));
 */
export function headroomFastify(options: HeadroomMiddlewareOptions = {}): HeadroomFastifyPlugin {
  const runtime = createMiddlewareRuntime(options);
  const calls = new WeakMap<FastifyRequestLike, ModelCall>();
  const plugin = async (app: FastifyLike): Promise<void> => {
    app.addHook('preParsing', async (request, reply, payload) => {
      const route = runtime.routeFor(request.method, new URL(request.url, 'http://app').pathname);
      const declared = Number(request.headers['content-length']);
      // Over the route's limit Fastify answers 413 itself; the body is left for it to refuse unread.
      if (!route || declared > (request.routeOptions?.bodyLimit ?? Number.POSITIVE_INFINITY)) return payload;
      const raw = await readBody(payload);
      const call = await runtime.start(route, raw, { get: (name) => request.headers[name]?.toString() });
      calls.set(request, call);
      // `close` comes after the last byte and when the client leaves early (Fastify's onResponse misses the latter).
      reply.raw.once('close', () =>
        call.done(reply.statusCode, reply.raw.writableFinished ? 'completed' : 'cancelled'),
      );
      const body = Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength);
      request.rawBody = body;
      request.headers['content-length'] = String(body.byteLength);
      return Object.assign(Readable.from([body]), { receivedEncodedLength: body.byteLength });
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const call = calls.get(request);
      if (!call) return payload;
      // A handler that relays `fetch` may send the Response itself (Fastify 5 takes it): its own headers
      // say what the body is, since Fastify applies them only after this hook.
      if (payload instanceof Response) {
        if (!payload.body) return payload;
        const reader = call.usage(
          payload.headers.get('content-type') ?? undefined,
          payload.headers.get('content-encoding') ?? undefined,
        );
        return new Response(watchWeb(payload.body, reader), payload);
      }
      const reader = call.usage(
        reply.getHeader('content-type')?.toString(),
        reply.getHeader('content-encoding')?.toString(),
      );
      if (typeof payload === 'string' || payload instanceof Uint8Array) {
        reader.push(typeof payload === 'string' ? Buffer.from(payload) : payload);
        return payload;
      }
      // …or its web stream.
      if (payload instanceof ReadableStream) return watchWeb(payload, reader);
      if (!(payload instanceof Readable)) return payload;
      const watched = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          reader.push(chunk);
          callback(null, chunk);
        },
      });
      // Errors end both streams; Fastify sees the watched one end as it would have seen the payload end.
      pipeline(payload, watched, () => {});
      return watched;
    });
  };
  // Fastify's `skip-override`: the hooks apply to the whole app, not only to routes registered inside the plugin.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  return Object.assign(plugin, { headroom: runtime.handle });
}
