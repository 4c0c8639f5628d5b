import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetLedgerWriter, ledgerKey, readFleetLedger } from '../../src/fleet/ledger-stream.js';
import { connectFleetRedis, type FleetRedis } from '../../src/fleet/redis-connection.js';
import { entry } from '../helpers/ledger-entries.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

/** Fleet writes while Redis is paused or hung (connected, not answering): real redis-server on loopback. */
let redis: TestRedis;
let conn: FleetRedis;

beforeAll(async () => {
  redis = await startTestRedis();
  conn = connectFleetRedis({ url: redis.url, prefix: 'outage:' }, 'test');
  await conn.use((client) => client.ping());
});

afterAll(async () => {
  await conn?.close();
  await redis?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fleet ledger while Redis does not answer', () => {
  it('sends no second copy of a batch Redis has not answered: each entry lands once, none is lost', async () => {
    const writer = createFleetLedgerWriter(conn, 'replica-1', 500_000);
    await redis.admin.call('CLIENT', 'PAUSE', '2000', 'ALL');
    // Appends over the pause: each one used to send the backlog's head again once the last try ran out of time.
    for (let i = 0; i < 60; i += 1) {
      writer.append(entry({ tokensSaved: i }));
      await sleep(25);
    }
    expect(writer.backlog().waiting).toBeGreaterThan(0);
    await sleep(2_000);
    writer.append(entry({ tokensSaved: 60 }));
    for (let i = 0; i < 100 && writer.backlog().waiting > 0; i += 1) {
      await writer.flush();
      await sleep(20);
    }
    expect(writer.backlog()).toEqual({ waiting: 0, dropped: 0 });
    expect(await redis.admin.xlen(ledgerKey('outage:'))).toBe(61);
    const { entries } = await readFleetLedger(conn);
    expect(entries.map((e) => e.tokensSaved)).toEqual(Array.from({ length: 61 }, (_, i) => i));
  });
});
