/**
 * The proxies headroom runs right now, so `dashboard` and `stats` find a `wrap`'s proxy on its free port.
 * Each proxy the CLI starts writes one file, `<stateDir>/proxies/<pid>-<instance>.json`, once it answers
 * /health, and removes it when it stops. A reader believes an entry only when its process is alive and
 * /health at its URL answers with its instance id (a random id per proxy run): a reused PID or port is
 * never taken for it. Entries that are unreadable, or whose proxy is gone, are removed by the reader that
 * finds them. The files hold no keys, tokens or request data.
 */
import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeStateDir } from '../state-dir.js';
import { type AgentName, isAgentName } from './agents.js';
import { readHealth } from './health.js';

/** How the proxy was started: `headroom proxy`, or the embedded proxy of `headroom wrap <agent>`. */
export type StartedBy = 'proxy' | `wrap ${AgentName}`;

/** One running proxy, as its registry file says. */
export interface ProxyEntry {
  readonly pid: number;
  /** A loopback base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly version: string;
  readonly startedBy: StartedBy;
  /** The id its `GET /health` answers with. */
  readonly instance: string;
}

/** Long enough for a busy proxy on loopback; an entry that stays silent is left alone, not listed. */
const PROBE_TIMEOUT_MS = 1_000;

export const registryDir = (stateDir: string): string => path.join(stateDir, 'proxies');

/** An instance id as proxies make them (a UUID); it is part of a file name, so nothing else is taken. */
const isInstanceId = (value: unknown): value is string =>
  typeof value === 'string' && /^[\w-]{1,64}$/.test(value);

/**
 * The loopback URL of a proxy bound to `host`: itself for a loopback address, the loopback of the same
 * family for a wildcard; undefined for any other address (this machine's callers cannot reach it by loopback).
 */
export function loopbackUrl(host: string, port: number): string | undefined {
  if (host === '0.0.0.0' || host === 'localhost' || host.startsWith('127.')) {
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  }
  if (host === '::' || host === '::1') return `http://[::1]:${port}`;
  return undefined;
}

/**
 * Records a listening proxy and returns the function that removes the record (idempotent). Written
 * atomically (a temporary file renamed into place), mode 0600; the record is also removed if the
 * process exits without calling it (an uncaught error).
 */
export async function registerProxy(stateDir: string, entry: ProxyEntry): Promise<() => Promise<void>> {
  if (!isInstanceId(entry.instance)) throw new Error(`not an instance id: ${JSON.stringify(entry.instance)}`);
  const dir = registryDir(stateDir);
  await makeStateDir(dir);
  const file = path.join(dir, `${entry.pid}-${entry.instance}.json`);
  const temporary = path.join(dir, `.${entry.pid}-${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(entry)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const onExit = (): void => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    await rm(file, { force: true });
  };
}

const isStartedBy = (value: unknown): value is StartedBy =>
  value === 'proxy' ||
  (typeof value === 'string' && value.startsWith('wrap ') && isAgentName(value.slice('wrap '.length)));

/** The entry a file holds, or undefined when it is not one (garbage, cut short, a URL off loopback). */
export function parseEntry(text: string): ProxyEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const { pid, url, port, startedAt, version, startedBy, instance } = e;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  if (typeof url !== 'string' || !isLoopbackBase(url, port)) return undefined;
  if (typeof startedAt !== 'string' || Number.isNaN(Date.parse(startedAt))) return undefined;
  if (typeof version !== 'string' || !isInstanceId(instance)) return undefined;
  if (!isStartedBy(startedBy)) return undefined;
  return { pid, url, port, startedAt, version, startedBy, instance };
}

/** `http://<loopback>:<port>` and nothing more, so a planted file cannot send us anywhere else. */
function isLoopbackBase(url: string, port: number): boolean {
  const match = /^http:\/\/(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost):(\d{1,5})$/.exec(url);
  return match?.[1] === String(port);
}

/** Whether a process with this PID exists (one of another user counts: signalling it is merely refused). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What one registry file turns out to be. */
type Verdict = { readonly live: ProxyEntry } | { readonly stale: true } | { readonly unknown: true };

async function check(file: string): Promise<Verdict> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  // Removed meanwhile (its proxy stopped): nothing to prune.
  if (text === undefined) return { unknown: true };
  const entry = parseEntry(text);
  if (entry === undefined || !isAlive(entry.pid)) return { stale: true };
  // A proxy that is alive but silent (busy) is not declared gone.
  const health = await readHealth(entry.url, PROBE_TIMEOUT_MS);
  if (health === 'timeout') return { unknown: true };
  return health?.instance === entry.instance ? { live: entry } : { stale: true };
}

/**
 * The proxies running now, most recently started first. Removes the entries it finds stale: unreadable,
 * a dead process, or a URL where another process (or none) answers.
 *
 * @example
 * const [newest] = await liveProxies(stateDir());
 * // newest?.url === 'http://127.0.0.1:41234'
 */
export async function liveProxies(stateDir: string): Promise<ProxyEntry[]> {
  const dir = registryDir(stateDir);
  let all: string[];
  try {
    all = await readdir(dir);
  } catch {
    return [];
  }
  await pruneDeadWriters(dir, all);
  const names = all.filter((name) => name.endsWith('.json'));
  const verdicts = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const verdict = await check(file);
      if ('stale' in verdict) await rm(file, { force: true }).catch(() => undefined);
      return verdict;
    }),
  );
  return verdicts
    .flatMap((verdict) => ('live' in verdict ? [verdict.live] : []))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.pid - a.pid);
}

/** A temporary file whose writer died between writing and renaming it (`.<pid>-<uuid>.tmp`). */
async function pruneDeadWriters(dir: string, names: readonly string[]): Promise<void> {
  const dead = names.filter((name) => {
    const pid = /^\.(\d+)-[\w-]+\.tmp$/.exec(name)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  });
  await Promise.all(dead.map((name) => rm(path.join(dir, name), { force: true }).catch(() => undefined)));
}

/** `http://127.0.0.1:41234 (wrap claude, PID 4242)`: how the CLI names a running proxy. */
export const describeProxy = (entry: ProxyEntry): string =>
  `${entry.url} (${entry.startedBy}, PID ${entry.pid})`;

/** A running proxy as `--json` output lists it. */
export const proxyJson = (entry: ProxyEntry) => ({
  url: entry.url,
  port: entry.port,
  pid: entry.pid,
  startedBy: entry.startedBy,
  startedAt: entry.startedAt,
  version: entry.version,
});
