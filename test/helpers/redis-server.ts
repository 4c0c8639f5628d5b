import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server on a loopback port, with no persistence, started and stopped by the test itself. */
export interface TestRedis {
  readonly port: number;
  /** `redis://:<password>@127.0.0.1:<port>` (the password is what the leak checks look for). */
  readonly url: string;
  readonly password: string;
  /** An admin connection (for checks and `CLIENT PAUSE`); reconnects when the server is started again. */
  readonly admin: Redis;
  /** Kills the server (SIGKILL, as a crash); `start` brings a fresh, empty one back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `redis-server` (CI installs it, see `.ci/run`); a machine without it fails the test saying so,
 * rather than skipping it.
 */
export async function startTestRedis(password = 'fleet-s3cret-pw'): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'headroom-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--requirepass', password);
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) =>
      started.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'ENOENT'
              ? 'redis-server is not installed: the fleet tests need a real Redis (apt-get install redis-server; .ci/run installs it)'
              : `redis-server did not start: ${error.message}`,
          ),
        ),
      ),
    );
    child = started;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await Promise.race([answers(port), failed]);
      if (up) return;
      if (started.exitCode !== null) throw new Error(`redis-server exited with code ${started.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not listen within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  const admin = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true });
  admin.on('error', () => undefined);
  await admin.connect();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    admin,
    kill,
    start,
    async close() {
      admin.disconnect();
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
