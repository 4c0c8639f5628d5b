import { describe, expect, it } from 'vitest';
import { checkFleet } from '../../src/cli/doctor-checks.js';
import { connectFleetRedis, failureText } from '../../src/fleet/redis-connection.js';
import { parseRedisPrefix, parseRedisUrl } from '../../src/fleet/redis-options.js';
import { resolveFleetConfig, withoutCredentials } from '../../src/proxy/options.js';

const URL_WITH_PASSWORD = 'redis://admin:hunter2-pw@10.0.0.5:6379/2';

describe('fleet options', () => {
  it('takes redis:// and rediss:// URLs and refuses anything else without echoing it', () => {
    expect(parseRedisUrl(URL_WITH_PASSWORD, '--redis')).toBe(URL_WITH_PASSWORD);
    expect(parseRedisUrl('rediss://cache.internal:6380', '--redis')).toBe('rediss://cache.internal:6380');
    for (const bad of ['http://admin:hunter2-pw@10.0.0.5', 'not a url hunter2-pw', '', 'redis://']) {
      expect(() => parseRedisUrl(bad, '--redis')).toThrow(
        'Expected `--redis` to be a redis:// or rediss:// URL.',
      );
      try {
        parseRedisUrl(bad, '--redis');
      } catch (error) {
        expect(
          JSON.stringify({ message: (error as Error).message, fix: (error as { fix?: string }).fix }),
        ).not.toContain('hunter2');
      }
    }
  });

  it('takes a printable prefix and refuses spaces or an empty one', () => {
    expect(parseRedisPrefix('team-a:', '--redis-prefix')).toBe('team-a:');
    expect(() => parseRedisPrefix('team a', '--redis-prefix')).toThrow('--redis-prefix');
    expect(() => parseRedisPrefix('', '--redis-prefix')).toThrow('--redis-prefix');
  });

  it('reads the option first, then HEADROOM_REDIS_URL and HEADROOM_REDIS_PREFIX; none is no fleet', () => {
    expect(resolveFleetConfig(undefined, {})).toBeUndefined();
    expect(resolveFleetConfig(undefined, { HEADROOM_REDIS_URL: '' })).toBeUndefined();
    expect(resolveFleetConfig(undefined, { HEADROOM_REDIS_URL: URL_WITH_PASSWORD })).toEqual({
      url: URL_WITH_PASSWORD,
      prefix: 'headroom:',
      ledgerMaxEntries: 500_000,
    });
    const env = { HEADROOM_REDIS_URL: 'redis://env:1', HEADROOM_REDIS_PREFIX: 'env:' };
    expect(resolveFleetConfig({ url: 'redis://option:2', ledgerMaxEntries: 10 }, env)).toEqual({
      url: 'redis://option:2',
      prefix: 'env:',
      ledgerMaxEntries: 10,
    });
    expect(() => resolveFleetConfig(undefined, { HEADROOM_REDIS_URL: 'http://x' })).toThrow(
      'HEADROOM_REDIS_URL',
    );
  });

  it('shows a failure without the credentials the URL held', () => {
    const error = new Error('WRONGPASS for admin with hunter2-pw');
    expect(failureText(error, URL_WITH_PASSWORD)).toBe('WRONGPASS for *** with ***');
  });

  it('never shows a password given in the query (ioredis reads `?password=`), nor crashes on a bad escape', () => {
    const inQuery = 'redis://10.0.0.5:6379/2?password=hunter2-pw&family=4';
    expect(withoutCredentials(inQuery)).toBe('redis://10.0.0.5:6379/2');
    expect(failureText(new Error('WRONGPASS hunter2-pw'), inQuery)).toBe('WRONGPASS ***');
    const redis = connectFleetRedis({ url: inQuery, prefix: 'p:' }, 'test');
    expect(JSON.stringify(redis.state())).not.toContain('hunter2');
    void redis.close();
    // A password whose escape is not valid: masked as written, never a thrown URIError (it took the proxy down).
    expect(failureText(new Error('auth pa%zz-pw failed'), 'redis://:pa%zz-pw@10.0.0.5:6379')).toBe(
      'auth *** failed',
    );
    expect(() => parseRedisUrl('redis://:pa%zz-pw@10.0.0.5:6379', '--redis')).toThrow('--redis');
    // The URL given where the options object goes: refused without echoing it.
    expect(() => resolveFleetConfig(URL_WITH_PASSWORD as never, {})).toThrow(
      'Expected the `redis` option to be an object, got a string.',
    );
  });

  it('doctor: off without HEADROOM_REDIS_URL, pass when Redis answers, fail with the reason when not', () => {
    expect(checkFleet(undefined)).toMatchObject({ status: 'pass', message: expect.stringContaining('off') });
    expect(checkFleet({ url: 'redis://10.0.0.5:6379/2', ok: true, ledgerEntries: 2 })).toMatchObject({
      status: 'pass',
      message: 'redis://10.0.0.5:6379/2 answers; the fleet ledger holds 2 entries',
    });
    const down = checkFleet({ url: 'redis://10.0.0.5:6379/2', ok: false, reason: 'connect ECONNREFUSED' });
    expect(down).toMatchObject({ status: 'fail', fix: expect.stringContaining('HEADROOM_REDIS_URL') });
    expect(down.message).toContain('connect ECONNREFUSED');
  });
});
