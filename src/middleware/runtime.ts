import { performance } from 'node:perf_hooks';
import { compressMessages } from '../compress/compress.js';
import { describeValue, HeadroomError, rejectUnknownKeys } from '../errors.js';
import { guessAgent } from '../proxy/agent.js';
import { answered } from '../proxy/body-job.js';
import { createCallRecorder } from '../proxy/call-recorder.js';
import { type BodyOutcome, createBodyCompressor } from '../proxy/compress-body.js';
import { completeEntry, ledgerEntry } from '../proxy/ledger-entry.js';
import { type ProxyOptions, resolveProxyOptions, storeOptionsOf } from '../proxy/options.js';
import { anthropicProvider } from '../proxy/providers/anthropic.js';
import { openaiProvider } from '../proxy/providers/openai.js';
import type { Provider } from '../proxy/providers/provider.js';
import type { ProxyStats } from '../proxy/stats.js';
import { createUsageReader, type Usage, type UsageReader } from '../proxy/usage.js';
import type { SetupCheck, SetupReport } from '../sdk/validate-setup.js';
import { checkRequestShape, runSetupChecks } from '../sdk/validate-setup.js';
import { anthropicProtocol } from '../sdk/wire/anthropic.js';
import { openaiChatProtocol } from '../sdk/wire/openai-chat.js';
import type { Json, WireProtocol } from '../sdk/wire/protocol.js';
import { responsesProtocol } from '../sdk/wire/responses.js';
import { createFileStore } from '../store/file-store.js';
import { tokenCounter } from '../tokens/count.js';

/** The provider APIs whose request bodies the middleware compresses. */
export type ModelApi = 'anthropic' | 'openai-chat' | 'openai-responses';

/** Options of `headroomHono()` and `headroomNode()`. */
export interface HeadroomMiddlewareOptions
  extends Pick<
    ProxyOptions,
    | 'optimize'
    | 'session'
    | 'agent'
    | 'stateDir'
    | 'compress'
    | 'compressionTimeoutMs'
    | 'store'
    | 'onRequest'
    | 'env'
  > {
  /** Told when a ledger line could not be written (never content or secrets). */
  readonly log?: (line: string) => void;
  /**
   * The app's routes that relay model calls (the path as the app sees it, POST only) and the API each
   * speaks. Every other route is left alone. Default: `/v1/messages`, `/v1/chat/completions`, `/v1/responses`.
   */
  readonly routes?: Readonly<Record<string, ModelApi>>;
  /** Append every model call to the ledger in `stateDir`, as the proxy does. Default false. */
  readonly ledger?: boolean;
  /** The upstreams the app relays to; `validateSetup()` checks that they answer. */
  readonly upstreams?: readonly string[];
}

export interface MiddlewareValidateOptions {
  /** A request as the app receives it; it is only read. Default: a sample for each route. */
  readonly request?: { readonly path: string; readonly body: unknown };
}

/** What `middleware.headroom` offers. */
export interface MiddlewareHandle {
  /** Totals since the middleware was created, in the proxy's `/stats` format. */
  stats(): ProxyStats;
  /** The original behind a marker's hash, from the store markers name. */
  retrieve(hash: string): Promise<string | undefined>;
  /** The tokenizer, the store, each route's request shape, and the upstreams; a fix for each failure. */
  validateSetup(options?: MiddlewareValidateOptions): Promise<SetupReport>;
  /** Resolves once every finished model call's ledger line is on disk. */
  flush(): Promise<void>;
}

interface Route {
  readonly api: ModelApi;
  readonly provider: Provider;
  /** The provider's own path for this API, which decides how its body is read. */
  readonly apiPath: string;
  readonly protocol: WireProtocol;
}

const APIS: Readonly<Record<ModelApi, Omit<Route, 'api'>>> = {
  anthropic: { provider: anthropicProvider, apiPath: '/v1/messages', protocol: anthropicProtocol },
  'openai-chat': { provider: openaiProvider, apiPath: '/v1/chat/completions', protocol: openaiChatProtocol },
  'openai-responses': { provider: openaiProvider, apiPath: '/v1/responses', protocol: responsesProtocol },
};

const DEFAULT_ROUTES: Readonly<Record<string, ModelApi>> = {
  '/v1/messages': 'anthropic',
  '/v1/chat/completions': 'openai-chat',
  '/v1/responses': 'openai-responses',
};

/** One model call on its way: what went upstream, and how to close its ledger entry. */
export interface ModelCall {
  readonly body: Uint8Array;
  readonly outcome: BodyOutcome;
  /** Watches the response body the app sends back (for the provider's usage); never alters it. */
  readonly usage: (contentType: string | undefined, contentEncoding: string | undefined) => UsageReader;
  /** Call once when the response has ended, with its status and whether it was sent whole (`completed`) or the client left (`cancelled`). */
  done(status: number, stream: 'completed' | 'cancelled'): void;
}

function routesOf(routes: Readonly<Record<string, ModelApi>>): Map<string, Route> {
  const out = new Map<string, Route>();
  for (const [path, api] of Object.entries(routes)) {
    if (!path.startsWith('/') || !Object.hasOwn(APIS, api)) {
      throw new HeadroomError(
        'INVALID_OPTION',
        `Expected \`routes\` to map paths starting with "/" to anthropic, openai-chat or openai-responses, got ${JSON.stringify(path)}: ${JSON.stringify(api)}.`,
        { fix: "Pass e.g. `routes: { '/api/claude/v1/messages': 'anthropic' }`." },
      );
    }
    out.set(path, { api, ...APIS[api] });
  }
  return out;
}

/** Every option the middleware reads: a misspelt one (or a proxy-only one like `port`) would be ignored. */
const MIDDLEWARE_OPTIONS: readonly (keyof HeadroomMiddlewareOptions)[] = [
  'routes',
  'upstreams',
  'ledger',
  'log',
  'optimize',
  'session',
  'agent',
  'stateDir',
  'compress',
  'compressionTimeoutMs',
  'store',
  'onRequest',
  'env',
];

function checkedOptions(input: unknown): HeadroomMiddlewareOptions {
  const fix = `Known options: ${MIDDLEWARE_OPTIONS.join(', ')}.`;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected the middleware options to be an object, got ${describeValue(input)}.`,
      { fix },
    );
  }
  rejectUnknownKeys(input, MIDDLEWARE_OPTIONS, undefined, fix);
  return input as HeadroomMiddlewareOptions;
}

/**
 * What both middleware forms share: the proxy's own body compressor (same splice, same fail-open, same
 * store and markers), its stats, and its ledger entry.
 */
export function createMiddlewareRuntime(input: HeadroomMiddlewareOptions = {}) {
  const { routes: routeOption, upstreams = [], ledger: ledgerOn = false, ...rest } = checkedOptions(input);
  const options = resolveProxyOptions({ ...rest, ledger: ledgerOn });
  const routes = routesOf(routeOption ?? DEFAULT_ROUTES);
  const upstreamUrls = upstreams.map((u) => {
    try {
      return new URL(u);
    } catch {
      throw new HeadroomError(
        'INVALID_OPTION',
        `Expected \`upstreams\` to hold URLs, got ${JSON.stringify(u)}.`,
      );
    }
  });
  const store = createFileStore(storeOptionsOf(options));
  // In-process: the app's own event loop compresses (no worker threads to start, nothing to close).
  const compressBody = createBodyCompressor({ options, store });
  const recorder = createCallRecorder(options);
  const { complete } = recorder;

  /** The route a request belongs to, or undefined for every request the middleware leaves alone. */
  const routeFor = (method: string, path: string): Route | undefined =>
    method.toUpperCase() === 'POST' ? routes.get(path) : undefined;

  /** Compresses one model call's body (never throws: every failure is the original bytes and a reason). */
  async function start(
    route: Route,
    raw: Uint8Array,
    headers: { get(name: string): string | null | undefined },
  ): Promise<ModelCall> {
    const arrived = performance.now();
    const ts = new Date().toISOString();
    const outcome = await compressBody(
      raw,
      route.provider,
      route.apiPath,
      headers.get('content-encoding') ?? undefined,
    );
    let reader: UsageReader | undefined;
    let finished = false;
    return {
      body: outcome.body,
      outcome,
      usage(contentType, contentEncoding) {
        reader = createUsageReader(contentType, contentEncoding);
        return reader;
      },
      done(status, stream) {
        if (finished) return;
        finished = true;
        const record = (usage: Usage | undefined) =>
          completeEntry(
            ledgerEntry(
              {
                ts,
                session: options.session,
                agent: options.agent ?? guessAgent(headers.get('user-agent')),
                provider: route.provider.name,
                path: route.apiPath,
                status,
                latencyMs: performance.now() - arrived,
                usage,
                stream,
              },
              answered(outcome, status),
            ),
            // A body that went out uncounted or replayed (deadline passed): its whole count, as the proxy's.
            outcome.counting,
            () => undefined,
            complete,
          );
        (reader ? reader.finish() : Promise.resolve(undefined)).then(record, () => record(undefined));
      },
    };
  }

  /** The dry request of one route: its API's sample (or the caller's body) read the way `compressBody` reads it. */
  function shapeOf(path: string, route: Route, body: unknown, own: boolean): Promise<SetupCheck> {
    const target =
      typeof body === 'object' && body !== null
        ? route.provider.target(route.apiPath, body as Json)
        : undefined;
    const model = typeof (body as Json | null)?.model === 'string' ? String((body as Json).model) : 'gpt-4o';
    return checkRequestShape({
      items: target && 'messages' in target ? target.messages : undefined,
      expected: `${route.protocol.expected} (route ${path} is set to ${route.api})`,
      own,
      compress: async (items) => {
        const result = await compressMessages(items, {
          ...options.compress,
          model,
          compressSystemMessages: false,
        });
        return {
          compressed: result.originals.size > 0,
          tokensBefore: result.tokensBefore,
          tokensAfter: result.tokensAfter,
        };
      },
    }).then((check) => ({ ...check, name: `request shape ${path}` }));
  }

  const handle: MiddlewareHandle = {
    stats: recorder.stats,
    retrieve: (hash) => store.read(hash).catch(() => undefined),
    flush: recorder.flush,
    validateSetup: (setup = {}) =>
      runSetupChecks({
        countSample: async () => (await tokenCounter('gpt-4o'))('headroom validates its setup'),
        stateDir: options.stateDir,
        upstreams: upstreamUrls,
        shape: async () => {
          const request = setup.request;
          if (request === undefined)
            return Promise.all(
              [...routes].map(([path, route]) => shapeOf(path, route, route.protocol.sample, false)),
            );
          const route = routeFor('POST', request.path);
          if (!route) {
            return {
              name: `request shape ${request.path}`,
              status: 'fail',
              message: `${request.path} is not a route headroom compresses; its requests go out unchanged`,
              fix: `add it to \`routes\`, e.g. routes: { '${request.path}': 'anthropic' }`,
            };
          }
          return shapeOf(request.path, route, request.body, true);
        },
      }),
  };

  return { routeFor, start, handle };
}

export type MiddlewareRuntime = ReturnType<typeof createMiddlewareRuntime>;
