import { formatCount } from '../compress/signals.js';

let intl: Intl.NumberFormat | undefined;

/** `12,345`, as `Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })` writes it (see `formatCount`). */
export function formatInt(value: number): string {
  const rounded = Math.round(Math.abs(value)); // Intl rounds half away from zero
  if (!Number.isSafeInteger(rounded)) {
    intl ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    return intl.format(value);
  }
  const digits = formatCount(rounded);
  return value < 0 || Object.is(value, -0) ? `-${digits}` : digits;
}

/** `$12.34`; amounts under a cent but not zero show as `<$0.01` so a small saving is not read as none. */
export function formatUsd(value: number): string {
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  return magnitude !== 0 && magnitude < 0.005 ? `${sign}<$0.01` : `${sign}$${magnitude.toFixed(2)}`;
}

/**
 * `12.3%`, never rounded to `0.0%` or `100.0%` when it is not exactly that: `<0.1%`, `>99.9%` (a call that
 * saved 99.98% did not save everything; one that added 6 tokens did add some).
 */
export function formatPercent(value: number): string {
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  let shown = magnitude.toFixed(1);
  if (shown === '0.0' && magnitude !== 0) shown = '<0.1';
  else if (shown === '100.0' && magnitude !== 100) shown = magnitude < 100 ? '>99.9' : '>100.0';
  return `${sign}${shown}%`;
}

/**
 * A saving as users read it, the one sign rule of every place that prints one: what was saved as is, and a
 * net increase (Claude budget mode's views of cut outputs) as `added N`, never as a negative saving.
 */
export function formatSaved(value: number, format: (magnitude: number) => string): string {
  return value < 0 ? `added ${format(-value)}` : format(value);
}

/** What a request or a session did to input tokens: `saved 9,000` / `added 6`, and its percent of before. */
export interface Change {
  readonly verb: 'saved' | 'added';
  readonly tokens: string;
  readonly percent: string;
}

export function changeOf(tokensSaved: number, savedPercent: number): Change {
  return {
    verb: tokensSaved < 0 ? 'added' : 'saved',
    tokens: formatInt(Math.abs(tokensSaved)),
    percent: formatPercent(Math.abs(savedPercent)),
  };
}

/** Money cell: the amount, marked when some models had no price, or the missing prices when none had. */
export function formatMoney(value: number, unpricedModels: readonly string[], requests: number): string {
  if (unpricedModels.length > 0 && value === 0 && requests > 0) return 'no price';
  const amount = formatSaved(value, formatUsd);
  return unpricedModels.length > 0 ? `${amount}*` : amount;
}

/** `1 request`, `2 requests`: the core's wording, one helper for both. */
export { countOf } from '../compress/compressors/line-tools.js';
