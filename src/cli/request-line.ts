import type { LedgerEntry } from '../ledger/entry.js';
import { formatInt, formatPercent } from './format.js';

/** One line per request (`proxy`, `wrap --verbose`); never content, never secrets. */
export function requestLine(entry: LedgerEntry): string {
  const saved = entry.tokensBefore > 0 ? (entry.tokensSaved / entry.tokensBefore) * 100 : 0;
  // A view of a saved output can add tokens (Claude budget mode): that shows as +, an unchanged count as nothing.
  const change = saved === 0 ? '' : ` (${saved > 0 ? '-' : '+'}${formatPercent(Math.abs(saved))})`;
  const what = entry.passthroughReason ?? entry.transforms.join(', ');
  return (
    `${entry.ts} ${entry.provider} ${entry.model} ${entry.path} ${entry.status} ` +
    `${formatInt(entry.tokensBefore)}→${formatInt(entry.tokensAfter)}${change}` +
    `${what === '' ? '' : ` ${what}`}`
  );
}
