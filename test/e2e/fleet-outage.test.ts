import net from 'node:net';
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

describe('fleet connection while Redis does not answer', () => {
  it('a paused Redis costs one command the bound: the others fail at once and send nothing meanwhile', async () => {
    let sent = 0;
    const ping = () =>
      conn.use((client) => {
        sent += 1;
        return client.ping();
      });
    await redis.admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await expect(ping()).rejects.toThrow('did not answer in time');
    for (let i = 0; i < 5; i += 1)
      await expect(ping()).rejects.toThrow('has not answered an earlier command yet');
    expect(sent).toBe(1);
    // Once the paused command is answered, commands go through again.
    for (let i = 0; i < 100 && (await ping().catch(() => undefined)) !== 'PONG'; i += 1) await sleep(50);
    expect(await ping()).toBe('PONG');
  });

  it('a server that takes the connection but never answers is waited for once, not on every command', async () => {
    const sockets: net.Socket[] = [];
    const hole = net.createServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const { port } = hole.address() as net.AddressInfo;
    const silent = connectFleetRedis({ url: `redis://:pw@127.0.0.1:${port}`, prefix: 'p:' }, 'test');
    try {
      await expect(silent.use((client) => client.ping())).rejects.toThrow('did not answer in time');
      // The first wait has ended (its own timer may fire just after the command's bound).
      await sleep(50);
      await expect(silent.use((client) => client.ping())).rejects.toThrow(
        'Redis is connecting (it took the connection but did not answer in time)',
      );
      expect(silent.state()).toMatchObject({ status: 'connecting', failedOps: 2 });
    } finally {
      await silent.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hole.close(resolve));
    }
  });
});
