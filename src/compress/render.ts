import { formatCount } from './signals.js';
import type { LinePlan } from './types.js';
import type { Envelope } from './wrappers/index.js';

/** The last line of every compressed block: what was kept, the content hash, and how to get the rest. */
export function retrievalMarker(summary: string, hash: string, hint: string): string {
  return `[headroom: ${summary} · hash=${hash} · ${hint.replaceAll('{hash}', hash)}]`;
}

/** A marker as `retrievalMarker` writes it, on the last line of a text (a numbered Read's included). */
const SEALED = /\[headroom: [^\n]* · hash=[0-9a-f]{12} · [^\n]*\]\s*$/;

/**
 * True when a text already ends with a retrieval marker: headroom compressed it once and its original is
 * stored under that hash. Compressed again, it would lose what the first pass kept for the question and
 * change on every turn, busting the provider's prompt cache (a caller that keeps the compressed messages,
 * `headroom_compress` answers through the proxy, `SharedContext` briefs sent as tool output).
 */
export function isSealed(text: string): boolean {
  return SEALED.test(text.slice(-4096));
}

function range(numbers: readonly number[], start: number, end: number): string {
  const first = numbers[start]!;
  const last = numbers[end - 1]!;
  return first === last ? `line ${formatCount(first)}` : `lines ${formatCount(first)}–${formatCount(last)}`;
}

/**
 * Writes kept lines back with their prefixes and terminators, one note per omitted run, and the
 * compressor's summary lines. Kept lines come out byte-identical.
 */
export function renderPlan(env: Envelope, plan: LinePlan): { body: string; kept: number } {
  const out: string[] = [];
  const n = env.lines.length;
  let kept = 0;
  let i = 0;
  while (i < n) {
    if (plan.keep[i]) {
      out.push(env.prefixes[i]!, env.lines[i]!, env.eols[i]!);
      kept += 1;
      i += 1;
      continue;
    }
    let j = i;
    while (j < n && !plan.keep[j]) j += 1;
    const what = plan.describe?.(i, j);
    const count = j - i;
    const note = what
      ? `[… ${range(env.numbers, i, j)} omitted: ${what}]`
      : `[… ${range(env.numbers, i, j)} omitted (${formatCount(count)} ${count === 1 ? 'line' : 'lines'})]`;
    // At the very end the run's own terminator follows the note, so a block without a final newline keeps it so.
    out.push(note, j === n ? env.eols[j - 1]! : '\n');
    i = j;
  }
  let body = out.join('');
  if (plan.summary && plan.summary.length > 0) {
    if (!body.endsWith('\n')) body += '\n';
    body += plan.summary.join('\n');
  }
  return { body, kept };
}
