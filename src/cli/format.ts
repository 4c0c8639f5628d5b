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
  if (value !== 0 && Math.abs(value) < 0.005) return value > 0 ? '<$0.01' : '-<$0.01';
  const sign = value < 0 ? '-' : '';
  return `${sign}$${Math.abs(value).toFixed(2)}`;
}

/** `12.3%`. */
export function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** Money cell: the amount, marked when some models had no price, or the missing prices when none had. */
export function formatMoney(value: number, unpricedModels: readonly string[], requests: number): string {
  if (unpricedModels.length > 0 && value === 0 && requests > 0) return 'no price';
  return unpricedModels.length > 0 ? `${formatUsd(value)}*` : formatUsd(value);
}

/** `1 request`, `2 requests`: the core's wording, one helper for both. */
export { countOf } from '../compress/compressors/line-tools.js';
