import { DEFAULT_MEMO_BYTES } from '../compress/memo.js';
import type { CompressOptions } from '../compress/options.js';
import { describeValue, HeadroomError } from '../errors.js';
import {
  DEFAULT_FLEET_LEDGER_MAX_ENTRIES,
  DEFAULT_FLEET_PREFIX,
  type FleetConfig,
  parseRedisPrefix,
  parseRedisUrl,
} from '../fleet/redis-options.js';
import type { LedgerEntry } from '../ledger/entry.js';
import { stateDir as defaultStateDir } from '../state-dir.js';
import { DEFAULT_STORE_MAX_BYTES, DEFAULT_STORE_TTL_MS, type FileStoreOptions } from '../store/file-store.js';
import { DEFAULT_UPSTREAM_TIMEOUTS, type UpstreamTimeouts } from './forward.js';
import type { ProviderName } from './providers/provider.js';

/** Options of `startProxy()` / `createProxyApp()`; all optional. */
export interface ProxyOptions {
  /** Port to listen on; 0 or undefined picks a free one. */
  readonly port?: number;
  /** Default 127.0.0.1: the proxy carries API keys and must not be reachable from elsewhere by accident. */
  readonly host?: string;
  /** Default `HEADROOM_ANTHROPIC_UPSTREAM`, else https://api.anthropic.com. */
  readonly anthropicUpstream?: string;
  /** Default `HEADROOM_OPENAI_UPSTREAM`, else https://api.openai.com. */
  readonly openaiUpstream?: string;
  /** Default `HEADROOM_GEMINI_UPSTREAM`, else https://generativelanguage.googleapis.com. */
  readonly geminiUpstream?: string;
  /** Compress model calls. Default true; false makes the proxy a pure pass-through that still counts. */
  readonly optimize?: boolean;
  /** Ledger session id. Default `proxy`. */
  readonly session?: string;
  /** Agent name for the ledger; default: guessed per request from the user agent. */
  readonly agent?: string;
  /** Where the ledger and retrieval files live. Default `stateDir()`. */
  readonly stateDir?: string;
  /** Append every model call to the ledger. Default true. */
  readonly ledger?: boolean;
  /** Compression options (e.g. `savingsProfile`); `model` comes from each request. */
  readonly compress?: Partial<CompressOptions>;
  /**
   * Claude Code's config dir (`CLAUDE_CONFIG_DIR` or `~/.claude`). With `compress.claudeBudget`, the
   * Bash outputs it saved under its tool-results folders are shown whole-in-view instead of as previews.
   */
  readonly claudeConfigDir?: string;
  /** Longest a request may wait for compression before it goes out unchanged. Default 2000 ms. */
  readonly compressionTimeoutMs?: number;
  /** How long to wait on the provider before answering 504. Defaults: connect 10 s, first byte 600 s, idle stream 300 s. */
  readonly timeouts?: Partial<UpstreamTimeouts>;
  /** Heap bytes for remembered block decisions (per compression worker). Default 64 MB. */
  readonly memoBytes?: number;
  /** Retrieval file store bounds. Defaults: 256 MB, 7 days. */
  readonly store?: { readonly maxBytes?: number; readonly ttlMs?: number };
  /**
   * A fleet of proxies sharing state on Redis: originals (markers redeemable on any replica) and the
   * ledger. Default `HEADROOM_REDIS_URL` (and `HEADROOM_REDIS_PREFIX`); none when unset.
   */
  readonly redis?: { readonly url?: string; readonly prefix?: string; readonly ledgerMaxEntries?: number };
  /** Called after each model call completes (response fully streamed), with its ledger entry. */
  readonly onRequest?: (entry: LedgerEntry) => void;
  /** Faults inside the proxy (a failed ledger write…), one line each, without content or secrets; per-call lines come from `onRequest`. */
  readonly log?: (line: string) => void;
  /** Environment to read upstream overrides and the state dir from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ResolvedProxyOptions {
  readonly port: number;
  readonly host: string;
  readonly anthropicUpstream: URL;
  readonly openaiUpstream: URL;
  readonly geminiUpstream: URL;
  readonly optimize: boolean;
  readonly session: string;
  readonly agent: string | undefined;
  readonly stateDir: string;
  readonly ledger: boolean;
  readonly compress: Partial<CompressOptions>;
  readonly claudeConfigDir: string | undefined;
  readonly compressionTimeoutMs: number;
  readonly timeouts: UpstreamTimeouts;
  readonly memoBytes: number;
  readonly storeMaxBytes: number;
  readonly storeTtlMs: number;
  readonly fleet: FleetConfig | undefined;
  readonly onRequest: ((entry: LedgerEntry) => void) | undefined;
  readonly log: ((line: string) => void) | undefined;
}

export const DEFAULT_ANTHROPIC_UPSTREAM = 'https://api.anthropic.com';
export const DEFAULT_OPENAI_UPSTREAM = 'https://api.openai.com';
export const DEFAULT_GEMINI_UPSTREAM = 'https://generativelanguage.googleapis.com';
export const DEFAULT_COMPRESSION_TIMEOUT_MS = 2000;

function invalid(name: string, expected: string, value: unknown): HeadroomError {
  return new HeadroomError(
    'INVALID_OPTION',
    `Expected the \`${name}\` option to be ${expected}, got ${describeValue(value)}.`,
  );
}

function upstream(name: string, value: unknown): URL {
  if (typeof value !== 'string') throw invalid(name, 'an http(s) URL', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(name, 'an http(s) URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(name, 'an http(s) URL', value);
  return url;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(name, 'a positive number', value);
  }
  return value;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(name, 'a non-empty string', value);
  return value;
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', value);
  return value;
}

/** Validates options where they enter and fills in defaults; throws `HeadroomError` (`INVALID_OPTION`). */
export function resolveProxyOptions(options: ProxyOptions = {}): ResolvedProxyOptions {
  const env = options.env ?? process.env;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid('port', 'an integer between 0 and 65535', options.port);
  }
  const compress = options.compress ?? {};
  if (typeof compress !== 'object' || compress === null) throw invalid('compress', 'an object', compress);
  for (const fn of ['onRequest', 'log'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function')
      throw invalid(fn, 'a function', options[fn]);
  }
  return {
    port,
    host: optionalString('host', options.host) ?? '127.0.0.1',
    anthropicUpstream: upstream(
      'anthropicUpstream',
      options.anthropicUpstream ?? (env.HEADROOM_ANTHROPIC_UPSTREAM || DEFAULT_ANTHROPIC_UPSTREAM),
    ),
    openaiUpstream: upstream(
      'openaiUpstream',
      options.openaiUpstream ?? (env.HEADROOM_OPENAI_UPSTREAM || DEFAULT_OPENAI_UPSTREAM),
    ),
    geminiUpstream: upstream(
      'geminiUpstream',
      options.geminiUpstream ?? (env.HEADROOM_GEMINI_UPSTREAM || DEFAULT_GEMINI_UPSTREAM),
    ),
    optimize: optionalBoolean('optimize', options.optimize, true),
    session: optionalString('session', options.session) ?? 'proxy',
    agent: optionalString('agent', options.agent),
    stateDir: optionalString('stateDir', options.stateDir) ?? defaultStateDir(env),
    ledger: optionalBoolean('ledger', options.ledger, true),
    compress,
    claudeConfigDir: optionalString('claudeConfigDir', options.claudeConfigDir),
    compressionTimeoutMs: positive(
      'compressionTimeoutMs',
      options.compressionTimeoutMs,
      DEFAULT_COMPRESSION_TIMEOUT_MS,
    ),
    timeouts: {
      connectMs: positive(
        'timeouts.connectMs',
        options.timeouts?.connectMs,
        DEFAULT_UPSTREAM_TIMEOUTS.connectMs,
      ),
      firstByteMs: positive(
        'timeouts.firstByteMs',
        options.timeouts?.firstByteMs,
        DEFAULT_UPSTREAM_TIMEOUTS.firstByteMs,
      ),
      idleMs: positive('timeouts.idleMs', options.timeouts?.idleMs, DEFAULT_UPSTREAM_TIMEOUTS.idleMs),
    },
    memoBytes: positive('memoBytes', options.memoBytes, DEFAULT_MEMO_BYTES),
    storeMaxBytes: positive('store.maxBytes', options.store?.maxBytes, DEFAULT_STORE_MAX_BYTES),
    storeTtlMs: positive('store.ttlMs', options.store?.ttlMs, DEFAULT_STORE_TTL_MS),
    fleet: resolveFleetConfig(options.redis, env),
    onRequest: guarded(options.onRequest),
    log: guarded(options.log),
  };
}

/**
 * The fleet's Redis from the option, else the environment (`HEADROOM_REDIS_URL`, `HEADROOM_REDIS_PREFIX`);
 * undefined when neither names one. Checked without ever echoing the URL.
 */
export function resolveFleetConfig(
  redis: ProxyOptions['redis'],
  env: NodeJS.ProcessEnv,
): FleetConfig | undefined {
  if (redis !== undefined && (typeof redis !== 'object' || redis === null)) {
    // A string here is most likely the URL itself, password included: never echoed.
    if (typeof redis === 'string')
      throw new HeadroomError(
        'INVALID_OPTION',
        'Expected the `redis` option to be an object, got a string.',
        {
          fix: 'Pass the URL as `redis: { url }`.',
        },
      );
    throw invalid('redis', 'an object', redis);
  }
  const url = redis?.url ?? (env.HEADROOM_REDIS_URL || undefined);
  if (url === undefined) return undefined;
  return {
    url: parseRedisUrl(url, redis?.url === undefined ? 'HEADROOM_REDIS_URL' : 'redis.url'),
    prefix:
      redis?.prefix !== undefined
        ? parseRedisPrefix(redis.prefix, 'redis.prefix')
        : env.HEADROOM_REDIS_PREFIX
          ? parseRedisPrefix(env.HEADROOM_REDIS_PREFIX, 'HEADROOM_REDIS_PREFIX')
          : DEFAULT_FLEET_PREFIX,
    ledgerMaxEntries: positive(
      'redis.ledgerMaxEntries',
      redis?.ledgerMaxEntries,
      DEFAULT_FLEET_LEDGER_MAX_ENTRIES,
    ),
  };
}

/** A caller's callback that throws must never take the proxy (or the app it runs in) down with it. */
function guarded<A>(callback: ((arg: A) => void) | undefined): ((arg: A) => void) | undefined {
  if (callback === undefined) return undefined;
  return function guardedCallback(arg: A): void {
    try {
      callback(arg);
    } catch {
      // The line or entry is lost; the request it describes is not.
    }
  };
}

/** Where a provider's requests go. */
export function upstreamOf(options: ResolvedProxyOptions, provider: ProviderName): URL {
  if (provider === 'anthropic') return options.anthropicUpstream;
  return provider === 'gemini' ? options.geminiUpstream : options.openaiUpstream;
}

/**
 * The upstream URL for a request: the upstream's base path followed by the request's path and query.
 * A base ending in a version (`/v1`, a common way to write an OpenAI base URL, or another provider's
 * own: Zhipu's `/api/paas/v4`, Volcengine's `/api/v3`) is an SDK base URL: it takes the place of the
 * request's `/v1`, so `/v1` is never doubled and `/v4/v1/…` never made.
 */
export function upstreamUrl(base: URL, pathAndQuery: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const versioned = /\/v\d+$/.test(prefix);
  const request =
    versioned &&
    (pathAndQuery === '/v1' || pathAndQuery.startsWith('/v1/') || pathAndQuery.startsWith('/v1?'))
      ? pathAndQuery.slice(3)
      : pathAndQuery;
  return new URL(`${base.origin}${prefix}${request}`);
}

/**
 * A URL as headroom shows it (health, messages, doctor): credentials embedded in it are never echoed,
 * neither as user info nor in the query, where Gemini's API takes its key (`?key=`) and ioredis its
 * password (`redis://host?password=…`); the proxy forwards to an upstream's path anyway.
 */
export function withoutCredentials(url: string | URL): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  shown.search = '';
  shown.hash = '';
  return shown.href;
}

/** The secrets a URL may hold, as written and decoded: its user info, and query values a client reads as credentials. */
export function credentialsIn(url: string | URL): string[] {
  const parsed = new URL(url);
  const secrets = [parsed.username, parsed.password];
  for (const [name, value] of parsed.searchParams)
    if (/pass|user|secret|token|auth|key/i.test(name)) secrets.push(value, encodeURIComponent(value));
  return [...secrets, ...secrets.map(safeDecode)].filter((secret) => secret.length > 0);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The file store's settings from the proxy's resolved options (or a worker's copy of them): the proxy, its
 * compression workers and the app middleware open the same store the same way.
 */
export function storeOptionsOf(o: {
  readonly stateDir: string;
  readonly storeMaxBytes: number;
  readonly storeTtlMs: number;
}): FileStoreOptions {
  return { stateDir: o.stateDir, maxBytes: o.storeMaxBytes, ttlMs: o.storeTtlMs };
}
