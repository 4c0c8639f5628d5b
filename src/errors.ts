/** Machine-readable reasons a headroom call failed. */
export type HeadroomErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_INPUT'
  | 'UNKNOWN_SHAPE'
  | 'NOT_FOUND'
  | 'PORT_IN_USE'
  | 'AGENT_NOT_FOUND'
  | 'UPSTREAM_UNREACHABLE'
  | 'STATE_DIR_UNWRITABLE';

/**
 * The one error class headroom throws. `fix` says what the user should do about it, so every caller
 * (CLI, proxy, SDK) can show it without guessing.
 */
export class HeadroomError extends Error {
  override readonly name = 'HeadroomError';
  readonly code: HeadroomErrorCode;
  readonly fix: string | undefined;

  constructor(code: HeadroomErrorCode, message: string, options: { fix?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fix = options.fix;
  }
}

/**
 * Throws for the first key of an options object that is not a known one (`Unknown option \`name.key\``, or
 * \`key\` at the top level): a misspelt option would otherwise be ignored without a word. The fix lists the
 * known ones unless the caller has a better one.
 */
export function rejectUnknownKeys(
  value: object,
  known: ReadonlySet<string> | readonly string[],
  name?: string,
  fix?: string,
): void {
  const isKnown = (key: string): boolean =>
    known instanceof Set ? known.has(key) : (known as readonly string[]).includes(key);
  const extra = Object.keys(value).find((key) => !isKnown(key));
  if (extra === undefined) return;
  const names = [...known];
  throw new HeadroomError(
    'INVALID_OPTION',
    `Unknown option \`${name === undefined ? '' : `${name}.`}${extra}\`.`,
    {
      fix: fix ?? `Known options${name === undefined ? '' : ` of \`${name}\``}: ${names.join(', ')}.`,
    },
  );
}

/** Describes a value for an error message, execa-style: `-1` (number). */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (type === 'object') return 'an object';
  return `\`${String(value)}\` (${type})`;
}
