import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, TINY } from '../../scripts/soak.js';
import { ensureBuilt } from '../helpers/cli.js';

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

describe('fault and load suite (short version of `npm run soak`)', () => {
  it('survives mixed load, upstream faults, client aborts, bad bodies and a killed ledger writer', async () => {
    const report = await runSoak(TINY, undefined, { build: false });
    expect(report.failures).toEqual([]);
    expect(report.figures.length).toBeGreaterThan(10);
  }, 120_000);
});
