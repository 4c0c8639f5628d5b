import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadroomError } from '../errors.js';
import type { LedgerEntry } from '../ledger/entry.js';
import { REASON_HELP, UNREACHABLE_HELP } from '../ledger/reasons.js';
import { Savings, type Totals, UPSTREAM_UNREACHABLE } from '../ledger/savings.js';
import type { ServerEntry } from '../mcp/install.js';
import { withoutCredentials } from '../proxy/options.js';
import { makeStateDir } from '../state-dir.js';
import type { AgentInfo } from './agents.js';
import { errorWords } from './failure.js';
import { changeOf, countOf, formatInt } from './format.js';
import type { ProxyHealth } from './health.js';
import type { PortOwner } from './port-owner.js';
import { describeProxy, type ProxyEntry } from './proxy-registry.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly fix?: string;
  /** Extra lines under the check (the savings of recent sessions). */
  readonly details?: readonly string[];
}

export const MIN_NODE_MAJOR = 20;

export function checkNode(version: string): CheckResult {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? Number.NaN);
  if (major >= MIN_NODE_MAJOR) return { name: 'Node.js', status: 'pass', message: version };
  return {
    name: 'Node.js',
    status: 'fail',
    message: `${version} is too old; headroom needs Node ${MIN_NODE_MAJOR} or newer`,
    fix: `install Node ${MIN_NODE_MAJOR}+ (https://nodejs.org or your version manager)`,
  };
}

export function checkAgent(
  info: AgentInfo,
  executable: string | undefined,
  version: string | undefined,
): CheckResult {
  const name = `agent ${info.command}`;
  if (executable === undefined) {
    return {
      name,
      status: 'warn',
      message: `${info.label} is not on PATH`,
      fix: `install it with: ${info.install}`,
    };
  }
  if (version === undefined) {
    return {
      name,
      status: 'warn',
      message: `${executable} did not answer --version`,
      fix: `reinstall it with: ${info.install}`,
    };
  }
  return { name, status: 'pass', message: `${version} (${executable})` };
}

const isSet = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/** One provider key: set (pass) or not (warn, with `fix`). */
function keyCheck(env: NodeJS.ProcessEnv, name: string, variable: string, fix: string): CheckResult {
  return isSet(env[variable])
    ? { name, status: 'pass', message: `${variable} set` }
    : { name, status: 'warn', message: `${variable} not set`, fix };
}

/** Keys are reported as set or not set; their values are never shown. */
export function checkKeys(env: NodeJS.ProcessEnv): CheckResult[] {
  const apiKey = isSet(env.ANTHROPIC_API_KEY);
  const token = isSet(env.ANTHROPIC_AUTH_TOKEN);
  const anthropic: CheckResult =
    apiKey && token
      ? {
          name: 'Anthropic key',
          status: 'warn',
          message:
            'both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are set (Claude Code reports an auth conflict)',
          fix: 'unset one of them',
        }
      : apiKey || token
        ? {
            name: 'Anthropic key',
            status: 'pass',
            message: `${apiKey ? 'ANTHROPIC_API_KEY' : 'ANTHROPIC_AUTH_TOKEN'} set`,
          }
        : {
            name: 'Anthropic key',
            status: 'warn',
            message: 'ANTHROPIC_API_KEY not set',
            fix: 'fine if you log in to Claude Code with a subscription; otherwise export ANTHROPIC_API_KEY',
          };
  const openai = keyCheck(
    env,
    'OpenAI key',
    'OPENAI_API_KEY',
    'fine if you log in to Codex another way; otherwise export OPENAI_API_KEY',
  );
  const gemini = keyCheck(
    env,
    'Gemini key',
    'GEMINI_API_KEY',
    '`wrap gemini` routes API-key traffic only (not Google login): export GEMINI_API_KEY',
  );
  return [anthropic, openai, gemini];
}

const BASE_URL_VARS = [
  'ANTHROPIC_BASE_URL',
  'OPENAI_BASE_URL',
  'OPENAI_API_BASE',
  'GOOGLE_GEMINI_BASE_URL',
] as const;
/** A base URL as doctor prints it: as set, less a password or query (`?key=`), which stay unprinted. */
const shownUrl = (value: string): string => {
  const shown = withoutCredentials(value);
  return value.split(/[?#]/)[0]!.endsWith('/') ? shown : shown.replace(/\/$/, '');
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A base URL already in the environment: `wrap` chains to it as the upstream, but an agent started
 * without `wrap` bypasses headroom, and one pointing at a dead local port breaks every agent.
 */
export async function checkBaseUrls(
  env: NodeJS.ProcessEnv,
  answers: (url: URL) => Promise<boolean>,
): Promise<CheckResult> {
  const set = BASE_URL_VARS.filter((name) => isSet(env[name]));
  if (set.length === 0)
    return { name: 'base URLs', status: 'pass', message: 'no provider base URL overridden' };
  for (const name of set) {
    const value = env[name] ?? '';
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    // `localhost:8787` parses as a URL of scheme `localhost:`; wrap refuses it, so doctor says so too.
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return {
        name: 'base URLs',
        status: 'fail',
        message: `${name} is not an http(s) URL: ${value}`,
        fix: `unset ${name} or correct it`,
      };
    }
    if (LOOPBACK.has(url.hostname) && !(await answers(url))) {
      return {
        name: 'base URLs',
        status: 'fail',
        message: `${name}=${shownUrl(value)} points at a local port where nothing listens`,
        fix: `unset ${name} (a proxy that exited may have left it behind)`,
      };
    }
  }
  return {
    name: 'base URLs',
    status: 'warn',
    // Every value parsed as a URL above; a password or `?key=` in one is not printed.
    message: `${set.map((n) => `${n}=${shownUrl(env[n] ?? '')}`).join(', ')} already set`,
    fix: '`headroom wrap` forwards to it as the upstream; agents started without wrap bypass headroom',
  };
}

/** A corporate proxy without a loopback exemption would swallow traffic meant for the local proxy. */
export function checkHttpProxy(env: NodeJS.ProcessEnv): CheckResult {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (!isSet(proxy)) return { name: 'HTTP proxy', status: 'pass', message: 'none set' };
  const exempt = `${env.NO_PROXY ?? ''},${env.no_proxy ?? ''}`.split(',').map((s) => s.trim());
  if (exempt.includes('127.0.0.1') && exempt.includes('localhost')) {
    return { name: 'HTTP proxy', status: 'pass', message: 'set, with 127.0.0.1 and localhost in NO_PROXY' };
  }
  return {
    name: 'HTTP proxy',
    status: 'warn',
    message: 'HTTP(S)_PROXY is set and NO_PROXY does not list 127.0.0.1,localhost',
    fix: '`headroom wrap` adds them for the agent; for other clients export NO_PROXY=127.0.0.1,localhost',
  };
}

/** The default port: a healthy headroom proxy, free, or held by something else. */
export function checkProxy(
  port: number,
  health: ProxyHealth | undefined,
  inUse: boolean,
  owner: PortOwner | undefined,
): CheckResult {
  const name = `port ${port}`;
  if (health !== undefined) {
    const pid = health.pid === undefined ? '' : `, PID ${health.pid}`;
    const optimize = health.optimize === false ? ', optimization off' : '';
    return {
      name,
      status: 'pass',
      message: `a healthy headroom proxy is running (version ${health.version ?? 'unknown'}${pid}${optimize})`,
    };
  }
  if (!inUse)
    return { name, status: 'pass', message: 'free; `headroom wrap` starts its own proxy on a free port' };
  const who =
    owner === undefined ? 'another process' : `PID ${owner.pid}${owner.command ? ` (${owner.command})` : ''}`;
  return {
    name,
    status: 'warn',
    message: `held by ${who}, which is not a healthy headroom proxy`,
    fix: `\`headroom proxy\` needs --port <another>; \`headroom wrap\` is unaffected`,
  };
}

/** The headroom proxies running now (the state dir's registry), `wrap`'s on their free ports included. */
export function checkRunningProxies(running: readonly ProxyEntry[]): CheckResult {
  const name = 'running proxies';
  if (running.length === 0) return { name, status: 'pass', message: 'none' };
  return {
    name,
    status: 'pass',
    message: `${running.length} (\`headroom dashboard\` shows the newest one's live page)`,
    details: running.map(describeProxy),
  };
}

/** What `doctor` found at the fleet's Redis (`HEADROOM_REDIS_URL`): the URL as shown, never its password. */
export type FleetProbe =
  | { readonly url: string; readonly ok: true; readonly ledgerEntries: number }
  | { readonly url: string; readonly ok: false; readonly reason: string };

export function checkFleet(probe: FleetProbe | undefined): CheckResult {
  const name = 'fleet Redis';
  if (probe === undefined) {
    return {
      name,
      status: 'pass',
      message: 'off (HEADROOM_REDIS_URL unset): originals and ledger stay on this machine',
    };
  }
  if (probe.ok) {
    return {
      name,
      status: 'pass',
      message: `${probe.url} answers; the fleet ledger holds ${countOf(probe.ledgerEntries, 'entry', 'entries')}`,
    };
  }
  return {
    name,
    status: 'fail',
    message: `${probe.url}: ${probe.reason} (proxies keep serving from their local store and ledger meanwhile)`,
    fix: 'start Redis there, or correct HEADROOM_REDIS_URL (and its password)',
  };
}

export async function checkStateDir(dir: string): Promise<CheckResult> {
  const probe = path.join(dir, `.doctor-${process.pid}`);
  try {
    await makeStateDir(dir);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { name: 'state dir', status: 'pass', message: `${dir} is writable` };
  } catch (error) {
    if (error instanceof HeadroomError) {
      return {
        name: 'state dir',
        status: 'fail',
        message: error.message,
        ...(error.fix ? { fix: error.fix } : {}),
      };
    }
    return {
      name: 'state dir',
      status: 'fail',
      message: `${dir} is not writable (${errorWords(error)})`,
      fix: 'fix its permissions, or set HEADROOM_HOME to a writable directory',
    };
  }
}

export async function checkTokenizer(load: () => Promise<number>): Promise<CheckResult> {
  try {
    const tokens = await load();
    if (!(tokens > 0)) throw new Error(`counted ${tokens} tokens in a sample`);
    return { name: 'tokenizer', status: 'pass', message: 'loads and counts' };
  } catch (error) {
    return {
      name: 'tokenizer',
      status: 'fail',
      message: `does not load: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'reinstall headroom (npm install -g headroom-ai)',
    };
  }
}

/** `unreadable`: why the ledger could not be opened or read (a directory, no permission), as one line. */
export function checkLedger(
  file: string,
  entries: number,
  skipped: number,
  unreadable?: string,
): CheckResult {
  if (unreadable !== undefined) {
    return {
      name: 'ledger',
      status: 'fail',
      message: unreadable,
      fix: 'move that path aside (stats and the proxy append to it as a file), or set HEADROOM_HOME to another directory',
    };
  }
  if (skipped > 0) {
    return {
      name: 'ledger',
      status: 'warn',
      message: `${formatInt(entries)} entries, ${formatInt(skipped)} unreadable lines skipped (${file})`,
      fix: 'harmless: stats skips them; delete those lines to silence this',
    };
  }
  return { name: 'ledger', status: 'pass', message: `${formatInt(entries)} entries (${file})` };
}

/** "Why am I not saving?": recent sessions' savings and the commonest reasons requests went through unchanged. */
export function checkSavings(entries: readonly LedgerEntry[], sessions = 5): CheckResult {
  if (entries.length === 0) {
    return {
      name: 'savings',
      status: 'warn',
      message: 'no requests recorded yet',
      fix: 'run an agent through headroom: `headroom wrap claude`',
    };
  }
  const bySession = new Map<string, { savings: Savings; agents: Set<string>; last: string }>();
  for (const entry of entries) {
    let session = bySession.get(entry.session);
    if (session === undefined) {
      session = { savings: new Savings(), agents: new Set(), last: '' };
      bySession.set(entry.session, session);
    }
    session.savings.add(entry);
    session.agents.add(entry.agent);
    if (entry.ts > session.last) session.last = entry.ts;
  }
  const recent = [...bySession]
    .sort(([, a], [, b]) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0))
    .slice(0, sessions);
  const details = recent.map(([session, { savings, agents }]) => {
    const t = savings.totals();
    const c = changeOf(t.tokensSaved, t.savedPercent);
    return `${session} (${[...agents].join(',')}): ${countOf(t.requests, 'request')}, ${c.verb} ${c.tokens} tokens (${c.percent})`;
  });
  const recentSessions = new Set(recent.map(([session]) => session));
  const all = new Savings();
  for (const entry of entries) if (recentSessions.has(entry.session)) all.add(entry);
  const reasons = all.reasons().slice(0, 3);
  for (const r of reasons) {
    details.push(
      `unchanged: ${r.reason} ×${r.count}${REASON_HELP[r.reason] ? ` — ${REASON_HELP[r.reason]}` : ''}`,
    );
  }
  const totals = all.totals();
  const unreachable = totals.passthroughReasons[UPSTREAM_UNREACHABLE] ?? 0;
  if (unreachable > 0) {
    // Not a savings problem: those requests never reached the provider at all.
    return {
      name: 'savings',
      status: 'warn',
      message: `${countOf(unreachable, 'recent request')} could not reach the provider`,
      fix: UNREACHABLE_HELP,
      details,
    };
  }
  if (totals.savedPercent < 1) {
    const top = reasons[0];
    return {
      name: 'savings',
      status: 'warn',
      message: recentSaved(totals),
      fix:
        totals.tokensSaved < 0
          ? ADDED_HELP
          : top === undefined
            ? 'their requests carried little tool output to compress'
            : (REASON_HELP[top.reason] ?? top.reason),
      details,
    };
  }
  return {
    name: 'savings',
    status: 'pass',
    message: recentSaved(totals),
    details,
  };
}

/** The MCP server as one agent's configuration holds it. */
export interface McpInstall {
  readonly agent: string;
  readonly label: string;
  readonly entry: ServerEntry | undefined;
  /** Whether the entry starts this install of headroom with this state directory. */
  readonly current: boolean;
}

/** Where `headroom mcp` is registered; an entry pointing elsewhere (an old install, another state dir) warns. */
export function checkMcp(installs: readonly McpInstall[]): CheckResult {
  const stale = installs.filter((i) => i.entry !== undefined && !i.current);
  if (stale.length > 0) {
    const what = stale.map((i) => `${i.label} starts \`${[i.entry!.command, ...i.entry!.args].join(' ')}\``);
    return {
      name: 'MCP server',
      status: 'warn',
      message: `${what.join('; ')}, not this headroom or not its state directory`,
      fix: stale.map((i) => `\`headroom mcp install ${i.agent}\``).join(' and '),
    };
  }
  const installed = installs.filter((i) => i.entry !== undefined).map((i) => i.label);
  return {
    name: 'MCP server',
    status: 'pass',
    message:
      installed.length > 0
        ? `installed in ${installed.join(' and ')}`
        : 'not installed (optional: `headroom mcp install claude|codex` gives agents headroom_retrieve)',
  };
}

/** Why a session can send more than the agent did: not a fault, so said as what it bought. */
const ADDED_HELP =
  'views of outputs the agent had cut to a preview (Claude budget mode) added more than compression saved, ' +
  'so the model sees those outputs whole; `headroom wrap claude --no-claude-budget` turns it off';

/** `recent sessions saved 80.0% of input tokens`, or `added 0.3% to` when views of cut outputs outweighed. */
function recentSaved(totals: Totals): string {
  const c = changeOf(totals.tokensSaved, totals.savedPercent);
  return `recent sessions ${c.verb} ${c.percent} ${c.verb === 'saved' ? 'of' : 'to'} input tokens`;
}
