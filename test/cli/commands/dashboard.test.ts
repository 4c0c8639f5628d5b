import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import getPort from 'get-port';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardJson } from '../../../src/dashboard/api.js';
import { createLedgerWriter } from '../../../src/ledger/ledger.js';
import { BIN, cleanEnv, ensureBuilt, ROOT, runCli } from '../../helpers/cli.js';
import { entry } from '../../helpers/ledger-entries.js';

let work: string;
let env: Record<string, string>;
/** Stops what a test started. */
const stops: (() => Promise<unknown>)[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hr-dashboard-'));
  env = cleanEnv({
    HEADROOM_HOME: path.join(work, 'home'),
    HEADROOM_ANTHROPIC_UPSTREAM: 'http://127.0.0.1:9',
  });
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

/** Starts `headroom …` and resolves once stderr holds `ready`; returns the child and its output so far. */
async function start(args: string[], ready: string) {
  const child = execa('node', [BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: ROOT,
    stdin: 'ignore',
    forceKillAfterDelay: 20_000,
  });
  stops.push(() => {
    child.kill('SIGTERM');
    return child.catch(() => undefined);
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  for (let i = 0; i < 400 && !stderr.includes(ready) && child.exitCode === null; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stderr).toContain(ready);
  return { child, stdout: () => stdout, stderr: () => stderr };
}

describe('headroom dashboard', () => {
  it("prints a running proxy's dashboard URL and leaves the proxy alone", async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const proxy = await start(['proxy', '--port', String(port), '-q'], 'Ctrl-C stops it');
    expect(proxy.stderr()).toContain(`dashboard http://127.0.0.1:${port}/dashboard.`);
    const plain = await runCli(['dashboard', '--port', String(port)], { env });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe(`http://127.0.0.1:${port}/dashboard`);
    expect(plain.stderr).toContain(`the headroom proxy on port ${port} serves it`);
    const json = await runCli(['dashboard', '--port', String(port), '--json'], { env });
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      url: `http://127.0.0.1:${port}/dashboard`,
      source: 'proxy',
      pid: proxy.child.pid,
    });
    expect(json.stderr).toBe('');
    const page = await fetch(`http://127.0.0.1:${port}/dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/dashboard.js');
    expect(proxy.child.exitCode).toBeNull();
  });

  it('serves the ledger itself when no proxy runs, and stops cleanly on SIGTERM', async () => {
    const writer = createLedgerWriter(path.join(work, 'home'));
    writer.append(entry({ ts: new Date().toISOString(), session: '<b>mine</b>' }));
    await writer.close();
    const port = await getPort({ host: '127.0.0.1' });
    const run = await start(['dashboard', '--port', String(port), '--open'], 'Ctrl-C stops it');
    expect(run.stdout()).toBe(`http://127.0.0.1:${port}/dashboard\n`);
    // Not a terminal: no browser is started, and it says so.
    expect(run.stderr()).toContain('not opening a browser: stdout is not a terminal');
    expect(run.stderr()).toContain(`serving the ledger at ${path.join(work, 'home', 'ledger.jsonl')}`);
    const res = await fetch(`http://127.0.0.1:${port}/v1/headroom/dashboard.json?range=today`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as DashboardJson;
    expect(body.live).toBeNull();
    expect(body.totals.requests).toBe(1);
    expect(body.recent[0]?.session).toBe('<b>mine</b>');
    // The page's script and style ship in the build it runs from.
    for (const asset of ['dashboard.js', 'dashboard.css']) {
      const file = await fetch(`http://127.0.0.1:${port}/dashboard/${asset}`);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    }
    run.child.kill('SIGTERM');
    const result = await run.child;
    expect(result.exitCode).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/dashboard`)).rejects.toThrow();
  });

  it('names the process holding a pinned port that is not a headroom proxy', async () => {
    const server = createServer((_req, res) => res.end('not headroom'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const result = await runCli(['dashboard', '--port', String(port)], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`port ${port} is in use by PID ${process.pid}`));
    expect(result.stderr).toMatch(/pick another port with `--port`/);
  });

  it('refuses a port that is not a number, saying what it expected', async () => {
    const result = await runCli(['dashboard', '--port', 'web'], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Expected `--port` to be a port number from 1 to 65535, got `web`.');
  });
});
