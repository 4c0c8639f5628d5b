import type { LedgerEntry, Usage } from '../ledger/entry.js';
import type { BodyOutcome } from './body-job.js';
import type { StreamOutcome } from './forward.js';
import type { ProviderName } from './providers/provider.js';

/** What a transport knows about one model call besides its body's outcome. */
export interface CallFacts {
  /** ISO time the call arrived. */
  readonly ts: string;
  readonly session: string;
  readonly agent: string;
  readonly provider: ProviderName;
  readonly path: string;
  readonly status: number;
  /** From arrival to the end of the response, ms. */
  readonly latencyMs: number;
  readonly usage?: Usage | undefined;
  readonly stream?: StreamOutcome | undefined;
}

const hundredths = (ms: number): number => Math.round(ms * 100) / 100;

/** Longest model name kept; real ones are a few dozen characters. */
const MODEL_MAX_CHARS = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The model name as the ledger keeps it. It comes from the request body (a repository's agent config can
 * set it) and is printed on the user's terminal by `proxy`, `wrap --verbose`, `stats` and `doctor`: an
 * escape sequence in it would reach the terminal (a clipboard write, a retitled window), and a huge one
 * would go into every ledger line.
 */
function ledgerModel(model: string): string {
  const printable = model.replace(CONTROL, '\uFFFD');
  return printable.length <= MODEL_MAX_CHARS ? printable : `${printable.slice(0, MODEL_MAX_CHARS)}…`;
}

/**
 * The ledger line of one model call, the same for every way a call reaches headroom (the HTTP relay, the
 * Responses WebSocket, the app middleware). `outcome` is undefined when no body was read.
 */
export function ledgerEntry(call: CallFacts, outcome: BodyOutcome | undefined): LedgerEntry {
  return {
    ts: call.ts,
    session: call.session,
    agent: call.agent,
    provider: call.provider,
    model: ledgerModel(outcome?.model ?? 'unknown'),
    path: call.path,
    status: call.status,
    tokensBefore: outcome?.tokensBefore ?? 0,
    tokensAfter: outcome?.tokensAfter ?? 0,
    tokensSaved: outcome?.tokensSaved ?? 0,
    transforms: outcome?.transforms ?? [],
    ...(outcome?.passthroughReason === undefined ? {} : { passthroughReason: outcome.passthroughReason }),
    ...(outcome?.blocksKeptRaw === undefined ? {} : { blocksKeptRaw: outcome.blocksKeptRaw }),
    compressionMs: hundredths(outcome?.compressionMs ?? 0),
    ...(call.usage === undefined ? {} : { usage: call.usage }),
    ...(call.stream === undefined ? {} : { stream: call.stream }),
    latencyMs: hundredths(call.latencyMs),
  };
}

/** Longest a ledger line waits for a busy worker to count a body that went out uncounted. */
const COUNT_WAIT_MS = 10_000;

/**
 * Hands `entry` to `complete`, first filling in the count of a body that went out uncounted (`counting`:
 * nothing in it could be compressed, so it did not wait for a worker; or its compression missed its
 * deadline and the replay knew only some blocks). The count comes from a worker that
 * may be busy, so the line waits for it, boundedly. Only the entry is held meanwhile, not the request:
 * counts are batched for up to 50 ms, and a request kept that long would outlive the young generation.
 * `settle` is called just before `complete`.
 */
export function completeEntry(
  entry: LedgerEntry,
  counting: Promise<number> | undefined,
  settle: () => void,
  complete: (entry: LedgerEntry) => void,
): void {
  if (counting === undefined) {
    settle();
    complete(entry);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COUNT_WAIT_MS);
  });
  Promise.race([counting.catch(() => undefined), bound]).then((n) => {
    clearTimeout(timer);
    settle();
    // What was saved stays as decided; the count adds what the outcome did not know (system, tools, text).
    complete(n === undefined ? entry : { ...entry, tokensBefore: n, tokensAfter: n - entry.tokensSaved });
  });
}
