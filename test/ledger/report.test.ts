import { describe, expect, it } from 'vitest';
import { buildReport, dayKey, weekKey } from '../../src/ledger/report.js';
import { Savings, summarize } from '../../src/ledger/savings.js';
import { entry } from '../helpers/ledger-entries.js';

describe('summarize', () => {
  it('adds up requests, tokens, money and cache reads', () => {
    const totals = summarize([
      entry({ usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 } }),
      entry({
        tokensBefore: 5_000,
        tokensAfter: 5_000,
        tokensSaved: 0,
        transforms: [],
        passthroughReason: 'nothing-to-compress',
        usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 4_000, cacheWriteTokens: 100 },
      }),
    ]);
    expect(totals).toMatchObject({
      requests: 2,
      passthroughs: 1,
      tokensBefore: 15_000,
      tokensAfter: 7_000,
      tokensSaved: 8_000,
      cacheReadTokens: 4_000,
      cacheWriteTokens: 100,
      unpricedModels: [],
    });
    expect(totals.savedPercent).toBeCloseTo((8_000 / 15_000) * 100);
    expect(totals.moneySaved).toBeCloseTo(0.024);
  });

  it('names the models it could not price and leaves them out of the money', () => {
    const totals = summarize([entry(), entry({ model: 'gpt-6-sol' })]);
    expect(totals.unpricedModels).toEqual(['gpt-6-sol']);
    expect(totals.moneySaved).toBeCloseTo(0.024);
  });

  it('reports zero percent, not NaN, when nothing was counted', () => {
    expect(summarize([]).savedPercent).toBe(0);
  });
});

describe('buildReport', () => {
  const entries = [
    entry({ ts: '2026-11-02T09:00:00Z', session: 's1' }),
    entry({ ts: '2026-11-02T23:30:00Z', session: 's1', agent: 'codex', model: 'gpt-5', provider: 'openai' }),
    entry({ ts: '2026-11-09T12:00:00Z', session: 's2' }),
    entry({ ts: '2026-12-01T12:00:00Z', session: 's3', agent: 'aider' }),
  ];

  it('groups by day in the given time zone', () => {
    const utc = buildReport(entries, { groupBy: 'day', timeZone: 'UTC' });
    expect(utc.rows.map((r) => [r.key, r.requests])).toEqual([
      ['2026-11-02', 2],
      ['2026-11-09', 1],
      ['2026-12-01', 1],
    ]);
    // 23:30 UTC is already the next day in Tokyo.
    const tokyo = buildReport(entries, { groupBy: 'day', timeZone: 'Asia/Tokyo' });
    expect(tokyo.rows.map((r) => r.key)).toEqual(['2026-11-02', '2026-11-03', '2026-11-09', '2026-12-01']);
  });

  it('groups by week starting Monday, by month, by agent and by model', () => {
    expect(buildReport(entries, { groupBy: 'week', timeZone: 'UTC' }).rows.map((r) => r.key)).toEqual([
      '2026-11-02',
      '2026-11-09',
      '2026-11-30',
    ]);
    expect(buildReport(entries, { groupBy: 'month', timeZone: 'UTC' }).rows.map((r) => r.key)).toEqual([
      '2026-11',
      '2026-12',
    ]);
    expect(buildReport(entries, { groupBy: 'agent' }).rows.map((r) => [r.key, r.requests])).toEqual([
      ['aider', 1],
      ['claude', 2],
      ['codex', 1],
    ]);
    expect(buildReport(entries, { groupBy: 'model' }).rows.map((r) => r.key)).toEqual([
      'claude-sonnet-4-6',
      'gpt-5',
    ]);
  });

  it('filters by inclusive since/until days and by agent', () => {
    const report = buildReport(entries, {
      groupBy: 'day',
      timeZone: 'UTC',
      since: '2026-11-02',
      until: '2026-11-09',
    });
    expect(report.rows.map((r) => r.key)).toEqual(['2026-11-02', '2026-11-09']);
    expect(report.totals.requests).toBe(3);
    expect(buildReport(entries, { groupBy: 'day', agent: 'codex' }).totals.requests).toBe(1);
  });

  it('orders rows newest first when asked, and sessions by their last activity', () => {
    expect(buildReport(entries, { groupBy: 'month', timeZone: 'UTC', order: 'desc' }).rows[0]?.key).toBe(
      '2026-12',
    );
    const sessions = buildReport(entries, { groupBy: 'session' });
    expect(sessions.rows.map((r) => r.key)).toEqual(['s1', 's2', 's3']);
    expect(sessions.rows[0]?.agents).toEqual(['claude', 'codex']);
    expect(sessions.rows[0]?.lastSeen).toBe('2026-11-02T23:30:00Z');
  });

  it('adds a per-model breakdown under each row when asked', () => {
    const report = buildReport(entries, { groupBy: 'day', timeZone: 'UTC', breakdown: true });
    expect(report.rows[0]?.breakdown?.map((b) => [b.model, b.requests])).toEqual([
      ['claude-sonnet-4-6', 1],
      ['gpt-5', 1],
    ]);
    expect(buildReport(entries, { groupBy: 'day' }).rows[0]?.breakdown).toBeUndefined();
  });
});

describe('date keys', () => {
  it('starts weeks on Monday', () => {
    expect(weekKey('2026-11-25')).toBe('2026-11-23');
    expect(weekKey('2026-11-23')).toBe('2026-11-23');
    expect(weekKey('2026-11-22')).toBe('2026-11-16');
  });

  it('formats days as YYYY-MM-DD', () => {
    expect(dayKey('2026-01-05T12:00:00Z', 'UTC')).toBe('2026-01-05');
  });
});

describe('Savings', () => {
  it('lists the reasons requests went through unchanged, commonest first', () => {
    const savings = new Savings();
    for (const e of [
      entry({ passthroughReason: 'timeout' }),
      entry({ passthroughReason: 'nothing-to-compress' }),
      entry({ passthroughReason: 'nothing-to-compress' }),
      entry(),
    ])
      savings.add(e);
    expect(savings.totals().passthroughReasons).toEqual({ 'nothing-to-compress': 2, timeout: 1 });
    expect(savings.reasons()).toEqual([
      { reason: 'nothing-to-compress', count: 2 },
      { reason: 'timeout', count: 1 },
    ]);
  });
});
