import { formatCount } from '../../signals.js';

/** A number as a summary shows it: integers as they are, others to four significant digits. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(4)));
}

const PLAIN_WORD = /^[\w.\-/:@+#]+$/;

/** A short form of a scalar for notes: plain words bare, anything else JSON-quoted, long ones cut. */
export function formatScalar(value: unknown, maxChars = 40): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value !== 'string') return String(value);
  const short = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
  return PLAIN_WORD.test(short) ? short : JSON.stringify(short);
}

// Long enough for a scoped package path (`node_modules/@scope/name-platform-arch`): a label cut short names nothing.
const LABEL_CHARS = 64;

/** What names each item in notes: an id-like field's values, or an object's keys. */
export interface Labels {
  /** `id`, `name`, `key`… */
  readonly name: string;
  at(index: number): unknown;
}

/**
 * Names a run of items for an omission note: `ids 13–49` or `keys a–f` when items carry a label,
 * otherwise their positions `index 12–48`.
 */
export function describeRange(labels: Labels | undefined, first: number, last: number): string {
  const a = labels?.at(first);
  const b = labels?.at(last);
  if (labels !== undefined && isLabel(a) && isLabel(b)) {
    const { name } = labels;
    return first === last
      ? `${name} ${formatScalar(a, LABEL_CHARS)}`
      : `${name}s ${formatScalar(a, LABEL_CHARS)}–${formatScalar(b, LABEL_CHARS)}`;
  }
  const from = formatCount(first);
  return first === last ? `index ${from}` : `index ${from}–${formatCount(last)}`;
}

/** `1 item` / `37 items`, `1 entry` / `4 entries`. */
export function plural(count: number, noun: string): string {
  if (count === 1) return `${formatCount(count)} ${noun}`;
  return `${formatCount(count)} ${noun.endsWith('y') ? `${noun.slice(0, -1)}ie` : noun}s`;
}

function isLabel(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}
