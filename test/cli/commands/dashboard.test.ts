import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import getPort from 'get-port';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PORT, probeHealth } from '../../../src/cli/health.js';
import type { DashboardJson } from '../../../src/dashboard/api.js';
import { createLedgerWriter } from '../../../src/ledger/ledger.js';
import { postMessages } from '../../helpers/anthropic-call.js';
import { BIN, cleanEnv, ensureBuilt, ROOT, runCli } from '../../helpers/cli.js';
import { startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import { entry } from '../../helpers/ledger-entries.js';
import { type StandInReport, writeStandInAgents } from '../../helpers/stand-in-agent.js';

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

/** Starts `headroom …` and resolves once stderr holds `ready` (or `ready()` holds); the child and its output so far. */
async function start(
  args: string[],
  ready: string | ((output: { stdout: string; stderr: string }) => Promise<boolean> | boolean),
  childEnv = env,
) {
  const child = execa('node', [BIN, ...args], {
    env: childEnv,
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
  const isReady = async () =>
    typeof ready === 'string' ? stderr.includes(ready) : ready({ stdout, stderr });
  for (let i = 0; i < 400 && !(await isReady()) && child.exitCode === null; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await isReady(), stderr).toBe(true);
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

  it("finds wrap's proxy on its free port, names the others, and falls back to the ledger once they stop", async () => {
    // Without --port a headroom proxy on the default port wins; this test needs that port free of one.
    expect(
      await probeHealth(`http://127.0.0.1:${DEFAULT_PORT}`),
      `a headroom proxy runs on ${DEFAULT_PORT}`,
    ).toBe(undefined);
    const anthropic = await startFakeAnthropic({ fallback: { kind: 'text', text: 'ok' } });
    stops.push(() => anthropic.close());
    const bin = await writeStandInAgents(path.join(work, 'bin'));
    const report = path.join(work, 'report.json');
    const wrapEnv = {
      ...env,
      PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`,
      HEADROOM_ANTHROPIC_UPSTREAM: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      STANDIN_MODE: 'wait',
      STANDIN_REPORT: report,
    };
    const registry = path.join(work, 'home', 'proxies');

    const port = await getPort({ host: '127.0.0.1' });
    const proxy = await start(['proxy', '--port', String(port), '-q'], 'Ctrl-C stops it');
    const agentReady = async () =>
      ((JSON.parse(await readFile(report, 'utf8').catch(() => '{}')) as Partial<StandInReport>).ready ??
        false) === true;
    const wrap = await start(['wrap', 'claude'], agentReady, wrapEnv);
    const wrapUrl = (JSON.parse(await readFile(report, 'utf8')) as StandInReport).env.ANTHROPIC_BASE_URL;
    expect(wrapUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await readdir(registry)).toHaveLength(2);
    // One model call through wrap's proxy, so its live counters have something to show.
    const call = await postMessages(wrapUrl ?? '', {
      model: 'claude-sonnet-4-6',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(call.status).toBe(200);

    const json = await runCli(['dashboard', '--json'], { env, timeout: 10_000 });
    expect(json.exitCode).toBe(0);
    expect(json.stderr).toBe('');
    const shown = JSON.parse(json.stdout) as { url: string; running: { url: string }[] };
    expect(shown).toMatchObject({
      url: `${wrapUrl}/dashboard`,
      source: 'proxy',
      pid: wrap.child.pid,
      startedBy: 'wrap claude',
    });
    // Newest first: wrap's, then the proxy started before it.
    expect(shown.running).toEqual([
      expect.objectContaining({ url: wrapUrl, pid: wrap.child.pid, startedBy: 'wrap claude' }),
      expect.objectContaining({ url: `http://127.0.0.1:${port}`, pid: proxy.child.pid, startedBy: 'proxy' }),
    ]);
    const live = (await (await fetch(`${wrapUrl}/v1/headroom/dashboard.json`)).json()) as DashboardJson;
    expect(live.live?.pid).toBe(wrap.child.pid);
    expect(live.live?.stats.requests).toBe(1);

    const plain = await runCli(['dashboard'], { env, timeout: 10_000 });
    expect(plain.stdout).toBe(`${wrapUrl}/dashboard`);
    expect(plain.stderr).toContain(
      `the headroom proxy of \`headroom wrap claude\` (PID ${wrap.child.pid}, port ${new URL(wrapUrl ?? '').port}), the most recently started`,
    );
    expect(plain.stderr).toContain(
      `1 other headroom proxy is running: http://127.0.0.1:${port} (proxy, PID ${proxy.child.pid})`,
    );

    // The agent exits (told to stop): wrap stops its proxy and takes it off the registry.
    wrap.child.kill('SIGTERM');
    await wrap.child;
    const afterWrap = JSON.parse(
      (await runCli(['dashboard', '--json'], { env, timeout: 10_000 })).stdout,
    ) as typeof shown;
    expect(afterWrap).toMatchObject({ url: `http://127.0.0.1:${port}/dashboard`, pid: proxy.child.pid });
    expect(afterWrap.running.map((p) => p.url)).toEqual([`http://127.0.0.1:${port}`]);
    proxy.child.kill('SIGINT');
    await proxy.child;
    expect(await readdir(registry)).toEqual([]);

    const fallback = await start(['dashboard', '--json'], (output) => output.stdout.endsWith('\n'));
    expect(JSON.parse(fallback.stdout())).toMatchObject({
      source: 'ledger',
      pid: fallback.child.pid,
      running: [],
    });
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
