import { appendFile, mkdtemp, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DashboardSums, RECENT_REQUESTS, shiftDay } from '../../src/dashboard/aggregate.js';
import { followLedger } from '../../src/dashboard/ledger-follower.js';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { createLedgerWriter, ledgerPath, readLedger } from '../../src/ledger/ledger.js';
import { REASON_HELP } from '../../src/ledger/reasons.js';
import { buildReport } from '../../src/ledger/report.js';
import { Savings, summarize, type Totals } from '../../src/ledger/savings.js';
import { entry } from '../helpers/ledger-entries.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-dash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Appends entries with the proxy's own ledger writer and waits until they are on disk. */
async function write(entries: readonly LedgerEntry[]): Promise<void> {
  const writer = createLedgerWriter(dir);
  for (const e of entries) writer.append(e);
  await writer.close();
}

const NOW = new Date('2026-12-06T15:30:00.000Z');

const TOTAL_FIELDS = Object.keys(summarize([]));

/**
 * Totals compared field by field; money to a millionth of a cent, since a range adds its days' sums in
 * another order than `headroom stats` adds entries (floating-point addition is not associative).
 */
function sameTotals(actual: Totals, expected: Totals): void {
  const fields = (t: Totals) =>
    Object.fromEntries(TOTAL_FIELDS.map((k) => [k, k === 'moneySaved' ? 0 : t[k as keyof Totals]]));
  expect(fields(actual)).toEqual(fields(expected));
  expect(actual.moneySaved).toBeCloseTo(expected.moneySaved, 8);
}

/** A week of traffic from two agents, three models (one unpriced), several sessions and reasons. */
function week(): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (let d = 0; d < 9; d++) {
    for (let i = 0; i < 4; i++) {
      const ts = new Date(NOW.getTime() - d * 86_400_000 - i * 3_600_000 * 3).toISOString();
      const codex = i % 2 === 1;
      out.push(
        entry({
          ts,
          agent: codex ? 'codex' : 'claude',
          provider: codex ? 'openai' : 'anthropic',
          model: codex ? (i === 3 ? 'gpt-6-sol' : 'gpt-5.5') : 'claude-sonnet-4-6',
          session: d === 0 && i === 0 ? '<script>alert(1)</script>' : `s-${d}-${codex ? 'x' : 'c'}`,
          tokensBefore: 10_000 + d * 100 + i,
          tokensAfter: i === 2 ? 10_000 + d * 100 + i : 2_000,
          tokensSaved: i === 2 ? 0 : 8_000 + d * 100 + i,
          transforms: i === 2 ? [] : ['log:lines 1213→23'],
          ...(i === 2 ? { passthroughReason: d % 2 === 0 ? 'nothing-to-compress' : 'timeout' } : {}),
          ...(i === 1
            ? { usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 1_000, cacheWriteTokens: 0 } }
            : {}),
          status: d === 3 && i === 1 ? 529 : 200,
          stream: i === 0 ? 'completed' : d === 1 ? 'broken' : 'completed',
          latencyMs: 900 + i,
        }),
      );
    }
  }
  return out;
}

describe('dashboard sums of a ledger written by the proxy writer', () => {
  it('answers a range with the same totals and groups as `headroom stats`', async () => {
    const entries = week();
    await write(entries);
    const state = await followLedger(dir, 'UTC').read();
    expect(state.sums.entries).toBe(entries.length);
    expect(state.skippedLines).toBe(0);
    const view = state.sums.view('7d', NOW);
    expect(view).toMatchObject({
      timeZone: 'UTC',
      today: '2026-12-06',
      since: '2026-11-30',
      until: '2026-12-06',
    });

    const report = (groupBy: 'agent' | 'model' | 'day') =>
      buildReport(entries, { groupBy, timeZone: 'UTC', since: '2026-11-30', until: '2026-12-06' });
    const inRange = entries.filter((e) => e.ts.slice(0, 10) >= '2026-11-30');
    sameTotals(view.totals, summarize(inRange));
    sameTotals(view.totals, report('day').totals);
    for (const [mine, theirs] of [
      [view.byAgent, report('agent').rows],
      [view.byModel, report('model').rows],
    ] as const) {
      expect(mine.map((r) => r.key).sort()).toEqual(theirs.map((r) => r.key).sort());
      for (const row of mine) sameTotals(row, theirs.find((r) => r.key === row.key)!);
    }
    // Biggest first.
    expect(view.byModel.map((r) => r.key)[0]).toBe('claude-sonnet-4-6');
    expect(view.totals.unpricedModels).toEqual(['gpt-6-sol']);

    // A point per day of the range, empty days included, matching the per-day report.
    expect(view.daily.map((p) => p.key)).toEqual(
      Array.from({ length: 7 }, (_, i) => shiftDay('2026-11-30', i)),
    );
    const byDay = Object.fromEntries(report('day').rows.map((r) => [r.key, r]));
    for (const point of view.daily) {
      expect(point.tokensSaved).toBe(byDay[point.key]?.tokensSaved ?? 0);
      expect(point.requests).toBe(byDay[point.key]?.requests ?? 0);
    }
    // Today by hour: 24 points; today's requests at 15:30, 12:30, 09:30 and 06:30 UTC.
    expect(view.hourly).toHaveLength(24);
    expect(view.hourly.filter((p) => p.requests > 0).map((p) => p.key)).toEqual([
      '2026-12-06T06',
      '2026-12-06T09',
      '2026-12-06T12',
      '2026-12-06T15',
    ]);
    expect(view.hourly.reduce((n, p) => n + p.tokensSaved, 0)).toBe(view.daily.at(-1)!.tokensSaved);

    // Reasons, commonest first, with what they mean.
    expect(view.reasons).toEqual([
      { reason: 'nothing-to-compress', count: 4, help: REASON_HELP['nothing-to-compress'] },
      { reason: 'timeout', count: 3, help: REASON_HELP.timeout },
    ]);
    // Sessions, latest first; the user-controlled id comes back as it was written (the page escapes it).
    expect(view.bySession[0]).toMatchObject({
      key: '<script>alert(1)</script>',
      agents: ['claude'],
      requests: 1,
    });
    expect(view.sessionCount).toBe(new Set(inRange.map((e) => e.session)).size);
  });

  it('lists the latest requests newest first, with money per request and no content', async () => {
    const entries = week();
    await write(entries);
    const { recent } = (await followLedger(dir, 'UTC').read()).sums.view('today', NOW);
    expect(recent).toHaveLength(Math.min(RECENT_REQUESTS, entries.length));
    const newest = [...entries].sort((a, b) => (a.ts < b.ts ? 1 : -1));
    expect(recent.map((r) => r.ts)).toEqual(newest.slice(0, RECENT_REQUESTS).map((e) => e.ts));
    expect(recent[0]).toEqual({
      ts: newest[0]!.ts,
      session: '<script>alert(1)</script>',
      agent: 'claude',
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      path: '/v1/messages',
      status: 200,
      tokensBefore: 10_000,
      tokensAfter: 2_000,
      tokensSaved: 8_000,
      transforms: ['log:lines 1213→23'],
      passthroughReason: null,
      blocksKeptRaw: null,
      stream: 'completed',
      latencyMs: 900,
      compressionMs: 3,
      moneySaved: 0.024,
    });
    expect(recent.find((r) => r.model === 'gpt-6-sol')?.moneySaved).toBeNull();
  });

  it('lists the newest requests even when many more arrive out of order', () => {
    const sums = new DashboardSums('UTC');
    const base = Date.parse('2026-12-06T00:00:00Z');
    const stamps = Array.from({ length: 1_000 }, (_, i) => base + ((i * 7919) % 1_000) * 1_000);
    for (const t of stamps) sums.add(entry({ ts: new Date(t).toISOString() }));
    const newest = stamps
      .sort((a, b) => b - a)
      .slice(0, RECENT_REQUESTS)
      .map((t) => new Date(t).toISOString());
    expect(sums.view('today', NOW).recent.map((r) => r.ts)).toEqual(newest);
  });

  it('reads only what was appended since the last read, and starts over when the ledger is reset', async () => {
    const follower = followLedger(dir, 'UTC');
    expect((await follower.read()).sums.entries).toBe(0);
    await write([entry({ ts: '2026-12-06T10:00:00.000Z' })]);
    const first = await follower.read();
    expect(first.sums.entries).toBe(1);
    const size = first.bytes;
    await write([entry({ ts: '2026-12-06T11:00:00.000Z' }), entry({ ts: '2026-12-06T12:00:00.000Z' })]);
    const second = await follower.read();
    expect(second.sums.entries).toBe(3);
    expect(second.bytes).toBeGreaterThan(size);
    expect(second.sums.view('today', NOW).totals.requests).toBe(3);

    // A line still being written is not counted until its newline arrives; a torn line is skipped.
    const half = JSON.stringify(entry({ ts: '2026-12-06T13:00:00.000Z' }));
    await appendFile(ledgerPath(dir), half.slice(0, 40));
    expect((await follower.read()).sums.entries).toBe(3);
    await appendFile(ledgerPath(dir), `${half.slice(40)}\n{"torn":\n`);
    const third = await follower.read();
    expect(third.sums.entries).toBe(4);
    expect(third.skippedLines).toBe(1);
    expect(third.skippedLines).toBe((await readLedger(dir)).skipped);

    // Truncated (or deleted and recreated): read again from the start.
    await truncate(ledgerPath(dir), 0);
    await write([entry({ ts: '2026-12-06T14:00:00.000Z' })]);
    const fourth = await follower.read();
    expect(fourth.sums.entries).toBe(1);
    expect(fourth.skippedLines).toBe(0);
    await unlink(ledgerPath(dir));
    expect((await follower.read()).sums.entries).toBe(0);
  });

  it('puts hours and days in the zone it was given, half-hour offsets included', () => {
    const sums = new DashboardSums('Asia/Kolkata');
    // 18:45 UTC is 00:15 the next day in India (UTC+5:30).
    sums.add(entry({ ts: '2026-12-05T18:45:00.000Z' }));
    const view = sums.view('today', NOW);
    expect(view.today).toBe('2026-12-06');
    expect(view.daily).toEqual([expect.objectContaining({ key: '2026-12-06', requests: 1 })]);
    expect(view.hourly.find((p) => p.requests === 1)?.key).toBe('2026-12-06T00');
  });

  it('spans the whole ledger for `all`, and leaves out days after today', () => {
    const sums = new DashboardSums('UTC');
    sums.add(entry({ ts: '2026-10-01T10:00:00.000Z' }));
    sums.add(entry({ ts: '2026-12-06T10:00:00.000Z' }));
    sums.add(entry({ ts: '2026-12-09T10:00:00.000Z' }));
    const all = sums.view('all', NOW);
    expect(all.since).toBe('2026-10-01');
    expect(all.daily).toHaveLength(67);
    expect(all.totals.requests).toBe(2);
    expect(new DashboardSums('UTC').view('all', NOW)).toMatchObject({
      since: null,
      daily: [expect.anything()],
    });
  });
});

describe('Savings.merge', () => {
  it('gives the same totals as adding every entry to one sum', () => {
    const entries = week();
    const parts = [new Savings(), new Savings(), new Savings()];
    for (const [i, e] of entries.entries()) parts[i % 3]!.add(e);
    const merged = new Savings();
    for (const part of parts) merged.merge(part);
    sameTotals(merged.totals(), summarize(entries));
  });
});
