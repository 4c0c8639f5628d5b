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

/** Describes a value for an error message, execa-style: `-1` (number). */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (type === 'object') return 'an object';
  return `\`${String(value)}\` (${type})`;
}
