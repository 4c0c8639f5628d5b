import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { ledgerKey } from '../../src/fleet/ledger-stream.js';
import { originalKey } from '../../src/fleet/mirror-store.js';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { readLedger } from '../../src/ledger/ledger.js';
import { buildReport } from '../../src/ledger/report.js';
import { summarize } from '../../src/ledger/savings.js';
import { type RunningProxy, startProxy } from '../../src/proxy/server.js';
import { encodeText } from '../../src/store/wtf8.js';
import { postMessages } from '../helpers/anthropic-call.js';
import { memoryContext } from '../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { bashTurn, bigTestLog } from '../helpers/proxy-harness.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

const PREFIX = 'fleet-test:';

interface Replica {
  readonly proxy: RunningProxy;
  readonly stateDir: string;
  readonly entries: LedgerEntry[];
  readonly logs: string[];
}

let redis: TestRedis;
let anthropic: FakeAnthropic;
let a: Replica;
let b: Replica;

async function replica(): Promise<Replica> {
  const stateDir = await mkdtemp(join(tmpdir(), 'headroom-fleet-'));
  const entries: LedgerEntry[] = [];
  const logs: string[] = [];
  const proxy = await startProxy({
    anthropicUpstream: anthropic.url,
    stateDir,
    redis: { url: redis.url, prefix: PREFIX },
    onRequest: (entry) => entries.push(entry),
    log: (line) => logs.push(line),
  });
  return { proxy, stateDir, entries, logs };
}

/** Sends a turn through a replica; returns the hash its marker names (from what reached the provider). */
async function compressThrough(r: Replica, output: string): Promise<string> {
  const before = anthropic.messageRequests().length;
  const done = r.entries.length;
  const res = await postMessages(r.proxy.url, bashTurn(output));
  expect(res.status).toBe(200);
  const sent = anthropic.messageRequests()[before]!.json<{
    messages: { content: { content: string }[] }[];
  }>();
  const compressed = sent.messages[2]!.content[0]!.content;
  expect(compressed.length).toBeLessThan(output.length / 2);
  const hash = /hash=([0-9a-f]+)/.exec(compressed)?.[1];
  expect(hash).toBeDefined();
  await until(() => r.entries.length > done);
  return hash!;
}

async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const onDisk = async (r: Replica): Promise<LedgerEntry[]> => (await readLedger(r.stateDir)).entries;

const health = async (r: Replica) =>
  (await (await fetch(`${r.proxy.url}/health`)).json()) as {
    fleet: {
      instance: string;
      redis: { status: string; reason?: string; url: string };
      ledgerBacklog: { waiting: number };
    };
  };

beforeAll(async () => {
  redis = await startTestRedis();
  anthropic = await startFakeAnthropic();
  a = await replica();
  b = await replica();
});

afterAll(async () => {
  for (const r of [a, b]) {
    await r?.proxy.stop();
    if (r) await rm(r.stateDir, { recursive: true, force: true });
  }
  await anthropic?.close();
  await redis?.close();
});

describe('a fleet of proxies on one Redis', () => {
  it('redeems on replica B a marker made by replica A, byte for byte (non-ASCII and a lone surrogate included)', async () => {
    const output = `${bigTestLog(2500, 1)}\nrésumé ✓ 日本語 🚀 and a lone \ud800 surrogate\n`;
    const hash = await compressThrough(a, output);
    // In Redis under the prefix, the same bytes as A's file, with the store's TTL.
    const key = originalKey(PREFIX, hash);
    expect(await redis.admin.getBuffer(key)).toEqual(encodeText(output));
    expect(await redis.admin.pttl(key)).toBeGreaterThan(6 * 24 * 3600 * 1000);
    const res = await fetch(`${b.proxy.url}/v1/headroom/retrieve/${hash}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(encodeText(output));
    // B keeps a copy, so the file the marker names exists on B's machine too.
    await until(
      async () => (await readFile(join(b.stateDir, 'ccr', `${hash}.txt`)).catch(() => null)) !== null,
    );
    expect(await readFile(join(b.stateDir, 'ccr', `${hash}.txt`))).toEqual(encodeText(output));
    expect((await fetch(`${b.proxy.url}/v1/headroom/retrieve/${'f'.repeat(16)}`)).status).toBe(404);
  });

  it('sums both replicas in the fleet ledger with the same totals as their local ledgers', async () => {
    await compressThrough(b, bigTestLog(2000, 2));
    await compressThrough(b, bigTestLog(1800, 3));
    const total = a.entries.length + b.entries.length;
    await until(async () => (await onDisk(a)).length + (await onDisk(b)).length === total);
    await until(async () => (await redis.admin.xlen(ledgerKey(PREFIX))) === total);
    const local = [...(await onDisk(a)), ...(await onDisk(b))];
    expect(local.length).toBeGreaterThanOrEqual(3);
    const stats = (await (await fetch(`${a.proxy.url}/stats`)).json()) as {
      requests: number;
      fleet: { totals: { instances: number; totals: unknown; byInstance: Record<string, unknown> } };
    };
    expect(stats.requests).toBe(a.entries.length);
    expect(stats.fleet.totals.instances).toBe(2);
    expect(stats.fleet.totals.totals).toEqual(summarize(local));
    const ids = [(await health(a)).fleet.instance, (await health(b)).fleet.instance];
    expect(Object.keys(stats.fleet.totals.byInstance).sort()).toEqual(ids.sort());
    expect(stats.fleet.totals.byInstance[ids[0]!]).toBeDefined();
    expect(await redis.admin.xlen(ledgerKey(PREFIX))).toBe(local.length);

    // `headroom stats --redis`: the same report as over both local ledgers together.
    const home = await mkdtemp(join(tmpdir(), 'headroom-fleet-stats-'));
    const io = memoryContext({ HEADROOM_HOME: home, TZ: 'UTC', HEADROOM_REDIS_URL: redis.url });
    expect(await run(['stats', '--json', '--by', 'model', '--redis', '--redis-prefix', PREFIX], io.ctx)).toBe(
      0,
    );
    const report = JSON.parse(io.stdout()) as {
      rows: unknown[];
      totals: unknown;
      fleetInstances: number;
      ledger: string;
    };
    const expected = buildReport(local, { groupBy: 'model', timeZone: 'UTC' });
    expect(report.totals).toEqual(expected.totals);
    expect(report.rows).toEqual(JSON.parse(JSON.stringify(expected.rows)));
    expect(report.fleetInstances).toBe(2);
    expect(report.ledger).toBe(`redis://127.0.0.1:${redis.port}`);
    const table = memoryContext({ HEADROOM_HOME: home, TZ: 'UTC' });
    expect(await run(['stats', '--redis', redis.url, '--redis-prefix', PREFIX], table.ctx)).toBe(0);
    expect(table.stdout()).toContain('fleet ledger on redis://127.0.0.1:');
    expect(table.stdout() + table.stderr()).not.toContain(redis.password);
    await rm(home, { recursive: true, force: true });
  });

  it('keeps compressing when Redis is slow, without waiting on it, and says why', async () => {
    await redis.admin.client('PAUSE', 3000, 'ALL');
    const hash = await compressThrough(a, bigTestLog(2200, 4));
    // The ledger's copy of that call waits on Redis too, after the call, and runs out of time.
    await until(async () => /time/i.test((await health(a)).fleet.redis.reason ?? ''));
    await redis.admin.client('UNPAUSE');
    // The original is on A's disk whatever Redis did.
    expect((await fetch(`${a.proxy.url}/v1/headroom/retrieve/${hash}`)).status).toBe(200);
  });

  it('keeps forwarding and compressing with Redis down, records why, and catches up when it is back', async () => {
    await redis.kill();
    // Said as the reconnection attempts find it.
    await until(async () => /ECONNREFUSED/.test((await health(a)).fleet.redis.reason ?? ''));
    const hash = await compressThrough(a, bigTestLog(2400, 5));
    const entry = a.entries.at(-1)!;
    expect(entry.status).toBe(200);
    expect(entry.tokensSaved).toBeGreaterThan(0);
    const down = await health(a);
    expect(down.fleet.redis.status).toBe('down');
    expect(down.fleet.redis.reason).toMatch(/ECONNREFUSED/);
    expect(down.fleet.ledgerBacklog.waiting).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${a.proxy.url}/metrics`)).text();
    expect(metrics).toContain('headroom_fleet_redis_up 0\n');
    expect(metrics).toMatch(/headroom_fleet_ledger_backlog [1-9]/);
    // Still in the local ledger and store; /stats answers with this replica's own counters.
    await until(async () => (await onDisk(a)).length === a.entries.length);
    expect((await onDisk(a)).at(-1)).toEqual(entry);
    expect((await fetch(`${a.proxy.url}/v1/headroom/retrieve/${hash}`)).status).toBe(200);
    const stats = (await (await fetch(`${a.proxy.url}/stats`)).json()) as { fleet: { totals?: unknown } };
    expect(stats.fleet.totals).toBeUndefined();

    // A fresh, empty Redis: the waiting entries go, and new originals are shared again.
    await redis.start();
    await until(async () => (await health(a)).fleet.redis.status === 'ready', 15_000);
    await until(async () => (await health(a)).fleet.ledgerBacklog.waiting === 0);
    expect(await (await fetch(`${a.proxy.url}/metrics`)).text()).toContain('headroom_fleet_redis_up 1\n');
    // The original A stored while Redis was down is copied now, so B redeems that marker too.
    await until(async () => (await fetch(`${b.proxy.url}/v1/headroom/retrieve/${hash}`)).status === 200);
    const stream = await redis.admin.xrange(ledgerKey(PREFIX), '-', '+');
    expect(stream.map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]!))).toContainEqual(entry);
    const later = `${bigTestLog(2600, 6)}\nafter the restart\n`;
    await until(async () => {
      const h = await compressThrough(a, later);
      return (await redis.admin.exists(originalKey(PREFIX, h))) === 1;
    }, 15_000);
    const shared = await compressThrough(a, later);
    const res = await fetch(`${b.proxy.url}/v1/headroom/retrieve/${shared}`);
    expect(await res.text()).toBe(later);
  });

  it('never logs the password in the Redis URL', async () => {
    const all = JSON.stringify([a.logs, b.logs, await health(a), await health(b)]);
    expect(all).not.toContain(redis.password);
    expect((await health(a)).fleet.redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  });
});
