import { type IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import type { LedgerEntry } from '../ledger/entry.js';
import { UPSTREAM_UNREACHABLE } from '../ledger/savings.js';
import { guessAgent } from './agent.js';
import type { ProxyEnv } from './app.js';
import type { BodyCompressor, BodyOutcome } from './compress-body.js';
import {
  callUpstream,
  clientHeaders,
  pipeToClient,
  relayBody,
  type UpstreamAgents,
  upstreamHeaders,
} from './forward.js';
import { type ResolvedProxyOptions, upstreamUrl } from './options.js';
import { anthropicProvider, looksAnthropic } from './providers/anthropic.js';
import { openaiProvider } from './providers/openai.js';
import type { Provider } from './providers/provider.js';
import { createUsageReader, type Usage } from './usage.js';

export interface ForwardContext {
  readonly options: ResolvedProxyOptions;
  readonly agents: UpstreamAgents;
  readonly compressBody: BodyCompressor;
  /** Called once per model call, after its response ended, with its ledger entry. */
  readonly complete: (entry: LedgerEntry) => void;
  /** Called once per other forwarded request. */
  readonly recordOther: () => void;
  /** Receives a promise that settles when the request's response has ended. */
  readonly track: (done: Promise<void>) => void;
}

/** Statuses (and HEAD) whose responses carry no body. */
const hasNoBody = (method: string, status: number): boolean =>
  method === 'HEAD' || status === 204 || status === 205 || status === 304;

const hundredths = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * Writing straight to the node response is announced with node-server's RESPONSE_ALREADY_SENT, which only
 * works as a native Response. If another server in this process swapped in node-server's own Response
 * class before that module loaded, the marker would be one of those (keyed by a `cache` symbol) and the
 * headers would be written twice; then the web path is used instead.
 */
const directWriteWorks = !Object.getOwnPropertySymbols(RESPONSE_ALREADY_SENT).some(
  (s) => s.description === 'cache',
);

/**
 * Forwards any request to its provider: model calls get their body compressed first; every response
 * streams back as it arrives, while its usage is read on the side. The ledger entry is made when the
 * response ends (or the client leaves), so it carries the provider's usage and the real latency.
 */
export function createForwardHandler(ctx: ForwardContext) {
  const { options, agents, compressBody, complete, recordOther, track } = ctx;
  /** Under @hono/node-server the node response is at hand and used directly; elsewhere a web Response. */
  return async function forward(c: Context<ProxyEnv>): Promise<Response> {
    const arrived = performance.now();
    const ts = new Date().toISOString();
    const req = c.req.raw;
    const url = new URL(req.url);
    const path = url.pathname;
    const method = req.method;
    const provider: Provider = looksAnthropic(path, req.headers) ? anthropicProvider : openaiProvider;
    const modelCall = provider.isModelCall(method, path);
    const raw = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await req.arrayBuffer());

    let outcome: BodyOutcome | undefined;
    if (modelCall && raw)
      outcome = await compressBody(raw, provider, path, req.headers.get('content-encoding') ?? undefined);
    const body = outcome?.body ?? raw;

    let settled!: () => void;
    track(
      new Promise<void>((resolve) => {
        settled = resolve;
      }),
    );
    let finished = false;
    const finish = (status: number, usage: Usage | undefined): void => {
      if (finished) return;
      finished = true;
      settled();
      if (!modelCall) {
        recordOther();
        return;
      }
      complete({
        ts,
        session: options.session,
        agent: options.agent ?? guessAgent(req.headers.get('user-agent')),
        provider: provider.name,
        model: outcome?.model ?? 'unknown',
        path,
        status,
        tokensBefore: outcome?.tokensBefore ?? 0,
        tokensAfter: outcome?.tokensAfter ?? 0,
        tokensSaved: outcome?.tokensSaved ?? 0,
        transforms: outcome?.transforms ?? [],
        ...(outcome?.passthroughReason === undefined ? {} : { passthroughReason: outcome.passthroughReason }),
        compressionMs: hundredths(outcome?.compressionMs ?? 0),
        ...(usage === undefined ? {} : { usage }),
        latencyMs: hundredths(performance.now() - arrived),
      });
    };

    const base = provider.name === 'anthropic' ? options.anthropicUpstream : options.openaiUpstream;
    let upstream: IncomingMessage;
    try {
      upstream = await callUpstream({
        url: upstreamUrl(base, path + url.search),
        method,
        headers: upstreamHeaders(req.headers, body?.byteLength),
        body,
        signal: req.signal,
        agents,
      });
    } catch (error) {
      if (req.signal.aborted) {
        // 499: the client closed the request before the provider answered (nginx's convention).
        finish(499, undefined);
        return new Response(null, { status: 502 });
      }
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      // Nothing reached the provider, so nothing was saved; the reason says why, not "nothing-to-compress".
      if (outcome)
        outcome = {
          ...outcome,
          tokensAfter: outcome.tokensBefore,
          tokensSaved: 0,
          transforms: [],
          passthroughReason: UPSTREAM_UNREACHABLE,
        };
      finish(502, undefined);
      return new Response(provider.errorBody(`headroom could not reach ${base.origin}: ${code}`), {
        status: 502,
        headers: { 'content-type': 'application/json' },
      });
    }

    const status = upstream.statusCode ?? 502;
    const reader = modelCall
      ? createUsageReader(upstream.headers['content-type'], upstream.headers['content-encoding'])
      : undefined;
    let settling = false;
    const settle = (): void => {
      if (settling) return;
      settling = true;
      if (!reader) {
        finish(status, undefined);
        return;
      }
      reader.finish().then(
        (usage) => finish(status, usage),
        () => finish(status, undefined),
      );
    };
    const outgoing = c.env?.outgoing;
    // Hono answers HEAD by re-wrapping the GET route's Response, so HEAD takes the web path below.
    if (directWriteWorks && outgoing instanceof ServerResponse && method !== 'HEAD') {
      pipeToClient(
        upstream,
        outgoing,
        { body: !hasNoBody(method, status) },
        (chunk) => reader?.push(chunk),
        settle,
      );
      return RESPONSE_ALREADY_SENT;
    }
    const headers = clientHeaders(upstream);
    if (hasNoBody(method, status)) {
      upstream.once('end', settle);
      upstream.once('close', settle);
      upstream.resume();
      return new Response(null, { status, headers });
    }
    const stream = relayBody(
      upstream,
      (chunk) => reader?.push(chunk),
      () => settle(),
    );
    return new Response(stream, { status, headers });
  };
}
