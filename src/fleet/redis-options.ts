import { HeadroomError } from '../errors.js';

/** Where a fleet of proxies keeps what it shares, and under which key prefix. */
export interface FleetConfig {
  /** `redis://` or `rediss://` URL; may hold a password, so it is never logged, printed or stored. */
  readonly url: string;
  /** Prefix of every key headroom writes, so several fleets (or other apps) can share one Redis. */
  readonly prefix: string;
  /** Entries the fleet ledger stream keeps (trimmed approximately beyond that, oldest first). */
  readonly ledgerMaxEntries: number;
}

export const DEFAULT_FLEET_PREFIX = 'headroom:';
/** About 350 bytes an entry in Redis: ~175 MB at most, a few weeks of a busy team. */
export const DEFAULT_FLEET_LEDGER_MAX_ENTRIES = 500_000;

/**
 * Checks a Redis URL where it enters (flag, variable or option). The value itself is never echoed: it
 * may hold a password.
 */
export function parseRedisUrl(value: unknown, from: string): string {
  const fail = () =>
    new HeadroomError('INVALID_OPTION', `Expected \`${from}\` to be a redis:// or rediss:// URL.`, {
      fix: 'Give it as redis://[:password@]host[:port][/db], e.g. redis://127.0.0.1:6379.',
    });
  if (typeof value !== 'string' || value === '') throw fail();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail();
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') throw fail();
  // ioredis decodes the user info itself and cannot connect with a bad escape (`%zz`) in it.
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw fail();
  }
  return value;
}

/** A key prefix: printable, no spaces, so keys stay easy to find with `redis-cli --scan`. */
export function parseRedisPrefix(value: unknown, from: string): string {
  if (typeof value === 'string' && /^[\x21-\x7e]{1,64}$/.test(value)) return value;
  throw new HeadroomError(
    'INVALID_OPTION',
    `Expected \`${from}\` to be 1 to 64 printable characters without spaces.`,
    { fix: `Use a prefix such as \`${DEFAULT_FLEET_PREFIX}\` or \`team-a:\`.` },
  );
}
