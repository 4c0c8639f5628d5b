import { describe, expect, it } from 'vitest';
import { formatInt } from '../../src/cli/format.js';
import { seeded } from '../compress/compressors/line-fixtures.js';

describe('formatInt', () => {
  it('writes what Intl.NumberFormat en-US with no fraction digits writes', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const values = [
      0,
      -0,
      1,
      12,
      999,
      1000,
      1125,
      12_345,
      999_999,
      1_000_000,
      1234567890,
      2 ** 53 - 1,
      2 ** 53,
    ];
    values.push(0.4, 0.5, 1.5, 2.5, 999.5, 1e21, 1e300, -0.3, -0.5, -2.5, -1234.5, -98_765_432);
    values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const random = seeded(5);
    for (let i = 0; i < 200; i++) values.push(Math.round(random() * 10 ** (i % 16)) * (i % 3 === 0 ? -1 : 1));
    for (const value of values) expect(formatInt(value), String(value)).toBe(intl.format(value));
  });
});
