import { describe, expect, it } from 'vitest';
import { formatMoney, formatPercent, formatSaved, formatUsd } from '../../src/cli/format.js';
import { colors } from '../../src/cli/logger.js';
import { renderTable } from '../../src/cli/table.js';

describe('renderTable', () => {
  it('draws a bordered table with right-aligned numbers and a separated Total row', () => {
    const table = renderTable({
      headers: ['Date', 'Saved'],
      align: ['left', 'right'],
      rows: [
        ['2026-11-02', '1,000'],
        ['Total', '12,000'],
      ],
      footerFrom: 1,
      color: colors(0),
    });
    expect(table).toBe(
      [
        '┌────────────┬────────┐',
        '│ Date       │  Saved │',
        '├────────────┼────────┤',
        '│ 2026-11-02 │  1,000 │',
        '├────────────┼────────┤',
        '│ Total      │ 12,000 │',
        '└────────────┴────────┘',
      ].join('\n'),
    );
  });

  it('measures coloured cells by what shows on screen', () => {
    const color = colors(1);
    const table = renderTable({ headers: ['A'], align: ['left'], rows: [[color.yellow('Total')]], color });
    expect(table.split('\n')[0]).toBe('┌───────┐');
  });
});

describe('money formatting', () => {
  it('never shows a small saving as $0.00 and marks partial pricing', () => {
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.001)).toBe('<$0.01');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(-1.5)).toBe('-$1.50');
    expect(formatMoney(0, ['gpt-6-sol'], 3)).toBe('no price');
    expect(formatMoney(2, ['gpt-6-sol'], 3)).toBe('$2.00*');
  });

  it('says money added as added, never as a negative saving', () => {
    expect(formatMoney(-0.0001, [], 1)).toBe('added <$0.01');
    expect(formatMoney(-1.5, ['gpt-6-sol'], 2)).toBe('added $1.50*');
    expect(formatSaved(-6, formatUsd)).toBe('added $6.00');
  });
});

describe('percent formatting', () => {
  it('never rounds to 0.0% or 100.0% what is not exactly that', () => {
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(100)).toBe('100.0%');
    expect(formatPercent(0.006)).toBe('<0.1%');
    expect(formatPercent(99.98)).toBe('>99.9%');
    expect(formatPercent(99.94)).toBe('99.9%');
    expect(formatPercent(100.02)).toBe('>100.0%');
    expect(formatPercent(12.345)).toBe('12.3%');
    expect(formatSaved(-0.006, formatPercent)).toBe('added <0.1%');
  });
});
