import { HeadroomError } from '../errors.js';

/** `--port 8787` → 8787, with an execa-style error for anything else. */
export function parsePort(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected \`${flag}\` to be a port number from 1 to 65535, got \`${value}\`.`,
    );
  }
  return port;
}

export function parsePositiveInt(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    const expected = min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
    throw new HeadroomError('INVALID_OPTION', `Expected \`${flag}\` to be ${expected}, got \`${value}\`.`);
  }
  return n;
}

/** `20261125` or `2026-11-25` → `2026-11-25`; the calendar date must exist. */
export function parseDay(value: string, flag: string): string {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  const day = match ? `${match[1]}-${match[2]}-${match[3]}` : '';
  const date = new Date(`${day}T00:00:00Z`);
  if (!match || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected \`${flag}\` to be a date as YYYYMMDD or YYYY-MM-DD, got \`${value}\`.`,
    );
  }
  return day;
}

/**
 * `since` and `until` as days (each optional), refused when no day is in both; `names` are the flags or
 * arguments as the user wrote them (`--since`, or `since` for the MCP tool).
 */
export function parseDayRange(
  since: string | undefined,
  until: string | undefined,
  names: readonly [since: string, until: string],
): { since: string | undefined; until: string | undefined } {
  const from = since === undefined ? undefined : parseDay(since, names[0]);
  const to = until === undefined ? undefined : parseDay(until, names[1]);
  if (from !== undefined && to !== undefined && from > to) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `\`${names[0]}\` ${from} is after \`${names[1]}\` ${to}: no day is in both.`,
      { fix: 'Swap them.' },
    );
  }
  return { since: from, until: to };
}

/** An IANA time zone name that this Node knows. */
export function parseTimeZone(value: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    throw new HeadroomError(
      'INVALID_OPTION',
      `Expected \`--timezone\` to be an IANA zone such as Europe/Paris, got \`${value}\`.`,
    );
  }
}

export function parseChoice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new HeadroomError(
    'INVALID_OPTION',
    `Expected \`${flag}\` to be one of ${choices.join(', ')}, got \`${value}\`.`,
  );
}

/** Upstream base URL from a flag or an environment variable: http(s) only. */
export function parseUpstream(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HeadroomError('INVALID_OPTION', `Expected \`${flag}\` to be an http(s) URL, got \`${value}\`.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HeadroomError('INVALID_OPTION', `Expected \`${flag}\` to be an http(s) URL, got \`${value}\`.`);
  }
  return value.replace(/\/+$/, '');
}
