import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../../src/errors.js';
import { SharedContext } from '../../src/sdk/shared-context.js';
import { apiRecords, testLog } from '../helpers/outputs.js';

describe('SharedContext', () => {
  it('stores content compressed and gives back the compressed form or the original', async () => {
    const context = new SharedContext();
    const log = testLog();
    const info = await context.put('tests', log, { agent: 'runner' });

    const brief = context.get('tests')!;
    expect(brief.length).toBeLessThan(log.length / 5);
    expect(brief).toContain('AssertionError: expected 90 to be 81');
    expect(brief).toContain(`hash=${info.hash}`);
    expect(context.get('tests', { full: true })).toBe(log);
    expect(context.retrieve(info.hash!)).toBe(log);
    expect(info.tokensAfter).toBeLessThan(info.tokensBefore);
  });

  it('keeps the items a query names', async () => {
    const context = new SharedContext();
    await context.put('services', apiRecords(450), { query: 'What is the status of needle-service?' });
    expect(context.get('services')).toContain('needle-service');
  });

  it('stores small content as it is', async () => {
    const context = new SharedContext();
    const info = await context.put('note', 'The build passed.');
    expect(context.get('note')).toBe('The build passed.');
    expect(info.hash).toBeUndefined();
  });

  it('reports savings per agent', async () => {
    const context = new SharedContext();
    await context.put('a', testLog(), { agent: 'runner' });
    await context.put('b', apiRecords(450), { agent: 'fetcher' });
    await context.put('c', 'short');
    const stats = context.stats();
    expect(stats).toMatchObject({ entries: 3, puts: 3, evictions: 0 });
    expect(Object.keys(stats.byAgent).sort()).toEqual(['(none)', 'fetcher', 'runner']);
    expect(stats.byAgent.runner!.tokensSaved).toBeGreaterThan(0);
    expect(stats.tokensSaved).toBe(stats.tokensBefore - stats.tokensAfter);
  });

  it('evicts the least recently used entries beyond maxEntries', async () => {
    const context = new SharedContext({ maxEntries: 2 });
    await context.put('one', '1');
    await context.put('two', '2');
    context.get('one');
    await context.put('three', '3');
    expect(context.keys()).toEqual(['one', 'three']);
    expect(context.get('two')).toBeUndefined();
    expect(context.stats().evictions).toBe(1);
  });

  it('evicts beyond maxChars and forgets the evicted hashes', async () => {
    const log = testLog();
    const context = new SharedContext({ maxChars: log.length + 5000 });
    const first = await context.put('first', log);
    await context.put('second', testLog(1300));
    expect(context.has('first')).toBe(false);
    expect(context.retrieve(first.hash!)).toBeUndefined();
    expect(context.stats().chars).toBeLessThanOrEqual(log.length + 5000);
  });

  it('keeps an original retrievable while any key holding it is left', async () => {
    // Two agents put the same output under their own keys: one marker hash, two entries.
    const context = new SharedContext({ maxEntries: 2 });
    const log = testLog();
    const a = await context.put('a', log, { agent: 'researcher' });
    const b = await context.put('b', log, { agent: 'reviewer' });
    expect(b.hash).toBe(a.hash);
    context.delete('b');
    expect(context.get('a')).toContain(`hash=${a.hash}`);
    expect(context.retrieve(a.hash!)).toBe(log);
    await context.put('b', log);
    await context.put('c', 'small');
    await context.put('d', 'small too');
    expect(context.has('a') || context.has('b')).toBe(false);
    expect(context.retrieve(a.hash!)).toBeUndefined();
  });

  it('replaces an entry put again under the same key', async () => {
    const context = new SharedContext();
    await context.put('k', 'old');
    await context.put('k', 'new');
    expect(context.get('k')).toBe('new');
    expect(context.stats()).toMatchObject({ entries: 1, chars: 3 });
  });

  it('rejects a bad key and bad limits with a fix', async () => {
    const context = new SharedContext();
    await expect(context.put('', 'x')).rejects.toBeInstanceOf(HeadroomError);
    expect(() => new SharedContext({ maxEntries: 0 })).toThrow(
      'Expected the `maxEntries` option to be a positive integer, got `0` (number).',
    );
    expect(() => new SharedContext({ targetRatio: 2 })).toThrow(HeadroomError);
  });
});
