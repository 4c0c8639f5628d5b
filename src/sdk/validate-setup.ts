import { type CheckResult, checkStateDir, checkTokenizer } from '../cli/doctor-checks.js';
import { withoutCredentials } from '../proxy/options.js';
import type { DryRequest } from './common.js';
import { isJson, type WireProtocol } from './wire/protocol.js';

/** One check of `validateSetup()`: what was checked, how it went, and the fix when it did not pass. */
export type SetupCheck = CheckResult;

/** What `client.headroom.validateSetup()` found. `ok` is false when any check failed (warnings pass). */
export interface SetupReport {
  readonly ok: boolean;
  readonly checks: readonly SetupCheck[];
}

/** What one adapter gives the shared checks. */
export interface SetupProbes {
  /** Counts a sample with the tokenizer the adapter will use (doctor's tokenizer check). */
  readonly countSample: () => Promise<number>;
  /** The directory originals are written to (doctor's state-dir check), or undefined when they stay in memory. */
  readonly stateDir?: string;
  /** A dry request (one per route for the middleware): is the request shape recognised, nothing sent. */
  readonly shape: () => Promise<SetupCheck | readonly SetupCheck[]>;
  /** Upstreams that must answer (middleware and proxy users). */
  readonly upstreams?: readonly URL[];
}

const UPSTREAM_TIMEOUT_MS = 3_000;

const IN_MEMORY: SetupCheck = {
  name: 'store',
  status: 'pass',
  message: 'originals are kept in memory (bounded; nothing is written to disk)',
};

/**
 * Whether something answers HTTP at an upstream's origin. Any status counts (a provider answers `HEAD /`
 * with 404 or 405); only no answer at all fails. No key is sent.
 */
export async function checkUpstream(url: URL, timeoutMs = UPSTREAM_TIMEOUT_MS): Promise<SetupCheck> {
  const shown = withoutCredentials(url);
  const name = `upstream ${new URL(shown).origin}`;
  try {
    const response = await fetch(`${url.origin}/`, {
      method: 'HEAD',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { name, status: 'pass', message: `answers (HTTP ${response.status})` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return {
      name,
      status: 'fail',
      message: `${shown} does not answer (${cause})`,
      fix: 'start the provider or gateway there, or correct the URL in `upstreams`',
    };
  }
}

/** The checks `doctor` runs that apply to a library user, plus the adapter's dry request and upstreams. */
export async function runSetupChecks(probes: SetupProbes): Promise<SetupReport> {
  const shape = probes.shape().catch((error: unknown): SetupCheck | readonly SetupCheck[] => ({
    name: 'request shape',
    status: 'fail',
    message: `the dry request failed: ${error instanceof Error ? error.message : String(error)}`,
    fix: 'please report this with the message above; requests still go out unchanged (fail-open)',
  }));
  const checks = (
    await Promise.all([
      checkTokenizer(probes.countSample),
      probes.stateDir === undefined ? IN_MEMORY : checkStateDir(probes.stateDir),
      shape,
      ...(probes.upstreams ?? []).map((url) => checkUpstream(url)),
    ])
  ).flat();
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** A tool output every profile compresses: 2,000 log lines, one of them an error. */
export const SAMPLE_TOOL_OUTPUT = `${Array.from({ length: 2000 }, (_, i) =>
  i === 1500 ? 'ERROR job 1500 failed: connection reset' : `INFO job ${i} done in ${10 + (i % 90)}ms`,
).join('\n')}\n`;

/** What one adapter found in a dry request, for `checkRequestShape`. */
export interface DryRequestFindings {
  /** The conversation as headroom reads it, or undefined when the request's shape is not recognised. */
  readonly items: readonly unknown[] | undefined;
  /** What headroom compresses, e.g. "POST …/v1/messages with a `messages` array". */
  readonly expected: string;
  /** True when the request is the caller's own (a small one is then fine to leave alone). */
  readonly own: boolean;
  readonly compress: (items: readonly unknown[]) => Promise<{
    readonly compressed: boolean;
    readonly tokensBefore: number;
    readonly tokensAfter: number;
  }>;
}

/** The "request shape" check: the dry request is read as headroom reads it and (for the sample) compressed. */
export async function checkRequestShape(found: DryRequestFindings): Promise<SetupCheck> {
  const name = 'request shape';
  if (found.items === undefined) {
    return {
      name,
      status: 'fail',
      message: 'the request is not in a shape headroom recognises; it would go out unchanged',
      fix: `send ${found.expected}`,
    };
  }
  const result = await found.compress(found.items);
  if (result.compressed) {
    return {
      name,
      status: 'pass',
      message: `recognised; its tool output went from ${result.tokensBefore} to ${result.tokensAfter} tokens`,
    };
  }
  if (found.own)
    return { name, status: 'pass', message: 'recognised; nothing in it is big enough to compress' };
  return {
    name,
    status: 'warn',
    message: `recognised, but a ${result.tokensBefore}-token tool output was not compressed`,
    fix: 'check the minTokensToCompress and savingsProfile options',
  };
}

/** The dry request of an SDK wrapped at the HTTP layer: the body's shape in that API. */
export function wireDryRequest(protocol: WireProtocol): DryRequest {
  return (request, session) => {
    const body = request === undefined ? protocol.sample : request;
    const model = isJson(body) && typeof body.model === 'string' ? body.model : '';
    return checkRequestShape({
      items: isJson(body) ? protocol.items(body) : undefined,
      expected: protocol.expected,
      own: request !== undefined,
      compress: (items) => session.probe(items, model),
    });
  };
}
