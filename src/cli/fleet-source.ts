import { HeadroomError } from '../errors.js';
import type { LedgerEntry } from '../ledger/entry.js';

/** `--redis [url]` and `--redis-prefix`: the fleet a report reads, from the flags, else the environment. */
export interface FleetFlags {
  /** A URL, or `true` when `--redis` was given alone (then `HEADROOM_REDIS_URL`). */
  readonly redis?: string | true;
  readonly redisPrefix?: string;
}

/** Longest `stats` waits on one page of the fleet ledger: nobody's request waits on it. */
const READ_TIMEOUT_MS = 10_000;

/**
 * Reads the fleet ledger from Redis. Fails with the cause (never the URL's password) when Redis cannot be
 * reached; `shown` is the URL as the report names it.
 */
export async function readFleetSource(
  flags: FleetFlags,
  env: NodeJS.ProcessEnv,
): Promise<{ entries: LedgerEntry[]; skipped: number; instances: number; shown: string }> {
  const { parseRedisPrefix, parseRedisUrl } = await import('../fleet/redis-options.js');
  const { resolveFleetConfig } = await import('../proxy/options.js');
  const fleet = resolveFleetConfig(
    {
      ...(typeof flags.redis === 'string' ? { url: parseRedisUrl(flags.redis, '--redis') } : {}),
      ...(flags.redisPrefix === undefined
        ? {}
        : { prefix: parseRedisPrefix(flags.redisPrefix, '--redis-prefix') }),
    },
    env,
  );
  if (fleet === undefined) {
    throw new HeadroomError(
      'INVALID_OPTION',
      '`--redis` needs a URL: none was given and HEADROOM_REDIS_URL is unset.',
      {
        fix: 'Pass it as `--redis redis://host:6379`, or set HEADROOM_REDIS_URL.',
      },
    );
  }
  const { connectFleetRedis } = await import('../fleet/redis-connection.js');
  const { readFleetLedger } = await import('../fleet/ledger-stream.js');
  const redis = connectFleetRedis(fleet, 'stats', { timeoutMs: READ_TIMEOUT_MS });
  const shown = redis.state().url;
  try {
    return { ...(await readFleetLedger(redis)), shown };
  } catch {
    throw new HeadroomError(
      'UPSTREAM_UNREACHABLE',
      `Could not read the fleet ledger on ${shown}: ${redis.state().reason ?? 'no answer'}.`,
      { fix: 'Check that Redis runs there and the URL (and its password) is right.' },
    );
  } finally {
    await redis.close();
  }
}
