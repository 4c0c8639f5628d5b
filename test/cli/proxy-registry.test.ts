import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  liveProxies,
  loopbackUrl,
  type ProxyEntry,
  parseEntry,
  registerProxy,
  registryDir,
} from '../../src/cli/proxy-registry.js';
import { launchProxy } from '../../src/cli/proxy-runner.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { type FakeServer, startFakeServer } from '../helpers/fake-server.js';

let home: string;
const stops: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'hr-registry-'));
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await rm(home, { recursive: true, force: true });
});

/** Above Linux's largest possible PID (2^22), so no process ever has it. */
const DEAD_PID = 2 ** 30;

async function launch(startedBy: 'proxy' | 'wrap claude' = 'proxy'): Promise<RunningProxy> {
  const proxy = await launchProxy(
    { stateDir: home, optimize: false, anthropicUpstream: 'http://127.0.0.1:9', env: {} },
    startedBy,
  );
  stops.push(() => proxy.stop());
  return proxy;
}

async function serve(body: unknown): Promise<FakeServer> {
  const server = await startFakeServer(() => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }));
  stops.push(() => server.close());
  return server;
}

const entryFor = (overrides: Partial<ProxyEntry> & Pick<ProxyEntry, 'port'>): ProxyEntry => ({
  pid: process.pid,
  url: `http://127.0.0.1:${overrides.port}`,
  startedAt: new Date().toISOString(),
  version: '0.1.0',
  startedBy: 'proxy',
  instance: 'not-the-one',
  ...overrides,
});

const files = async (): Promise<string[]> => (await readdir(registryDir(home))).sort();

describe('registry of running proxies', () => {
  it('lists a launched proxy while it runs, in a 0600 file without secrets, and forgets it when it stops', async () => {
    const proxy = await launch('wrap claude');
    const [name] = await files();
    expect(name).toMatch(new RegExp(`^${process.pid}-[0-9a-f-]{36}\\.json$`));
    const file = path.join(registryDir(home), name ?? '');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(registryDir(home))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual([
      'instance',
      'pid',
      'port',
      'startedAt',
      'startedBy',
      'url',
      'version',
    ]);
    const health = (await (await fetch(`${proxy.url}/health`)).json()) as { instance: string };
    expect(stored).toMatchObject({
      pid: process.pid,
      url: proxy.url,
      port: proxy.port,
      startedBy: 'wrap claude',
      instance: health.instance,
    });

    expect((await liveProxies(home)).map((p) => p.url)).toEqual([proxy.url]);
    await proxy.close({ drainMs: 0 });
    expect(await files()).toEqual([]);
    expect(await liveProxies(home)).toEqual([]);
  });

  it('lists a proxy bound to every interface by its loopback URL', async () => {
    const proxy = await launchProxy({ stateDir: home, host: '0.0.0.0', optimize: false, env: {} }, 'proxy');
    stops.push(() => proxy.stop());
    expect((await liveProxies(home)).map((p) => p.url)).toEqual([`http://127.0.0.1:${proxy.port}`]);
  });

  it('lists the most recently started first', async () => {
    const older = await launch('proxy');
    const newer = await launch('wrap claude');
    expect((await liveProxies(home)).map((p) => [p.url, p.startedBy])).toEqual([
      [newer.url, 'wrap claude'],
      [older.url, 'proxy'],
    ]);
  });

  it('prunes a dead PID, another instance on the URL, nothing listening, garbage and cut-short files', async () => {
    const live = await launch();
    const impostor = await serve({ status: 'ok', service: 'headroom', instance: 'someone-else' });
    const notHeadroom = await serve({ hello: 'world' });
    const closed = await serve({});
    await closed.close();
    const liveHealth = (await (await fetch(`${live.url}/health`)).json()) as { instance: string };
    const dir = registryDir(home);
    const valid = entryFor({ port: live.port, instance: liveHealth.instance });
    const planted: Record<string, string> = {
      // The live proxy's own URL and instance, but a process that is gone.
      'dead.json': JSON.stringify({ ...valid, pid: DEAD_PID }),
      'impostor.json': JSON.stringify(entryFor({ port: impostor.port })),
      'not-headroom.json': JSON.stringify(entryFor({ port: notHeadroom.port })),
      'refused.json': JSON.stringify(entryFor({ port: closed.port })),
      'garbage.json': '\u0000\u0001 not json',
      'partial.json': JSON.stringify(valid).slice(0, 40),
      'null.json': 'null',
      'no-instance.json': JSON.stringify({ ...valid, instance: undefined }),
    };
    for (const [name, text] of Object.entries(planted)) await writeFile(path.join(dir, name), text);
    // Not an entry: a live writer's temporary file is left alone, a dead one's removed.
    await writeFile(path.join(dir, '.1-x.tmp'), '{');
    await writeFile(path.join(dir, `.${DEAD_PID}-y.tmp`), '{');

    const found = await liveProxies(home);
    expect(found.map((p) => p.url)).toEqual([live.url]);
    expect(await files()).toEqual(['.1-x.tmp', `${process.pid}-${liveHealth.instance}.json`]);
    // Impostor and stranger were asked, and found out, over /health only.
    expect(impostor.requests.map((r) => r.path)).toEqual(['/health']);
    expect(notHeadroom.requests.map((r) => r.path)).toEqual(['/health']);
  });

  it('keeps, without listing, an entry whose proxy is alive but does not answer in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stops.push(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    const port = (silent.address() as AddressInfo).port;
    const unregister = await registerProxy(home, entryFor({ port, instance: 'busy' }));
    stops.push(unregister);
    expect(await liveProxies(home)).toEqual([]);
    expect(await files()).toEqual([`${process.pid}-busy.json`]);
  });

  it('takes only a loopback URL on its own port, a known command and a plain instance id', async () => {
    const base = entryFor({ port: 8787, instance: 'x' });
    expect(parseEntry(JSON.stringify(base))).toEqual(base);
    for (const url of [
      'http://10.0.0.1:8787',
      'http://example.com:8787',
      'https://127.0.0.1:8787',
      'http://user:pw@127.0.0.1:8787',
      'http://127.0.0.1:8788',
      'http://127.0.0.1:8787/v1',
      'http://127.0.0.1.example.com:8787',
    ]) {
      expect(parseEntry(JSON.stringify({ ...base, url })), url).toBeUndefined();
    }
    expect(parseEntry(JSON.stringify({ ...base, url: 'http://[::1]:8787' }))).toBeDefined();
    expect(parseEntry(JSON.stringify({ ...base, pid: 0 }))).toBeUndefined();
    expect(parseEntry(JSON.stringify({ ...base, pid: -1 }))).toBeUndefined();
    expect(parseEntry(JSON.stringify({ ...base, startedBy: 'wrap vim' }))).toBeUndefined();
    expect(parseEntry(JSON.stringify({ ...base, instance: '../x' }))).toBeUndefined();
    await expect(registerProxy(home, { ...base, instance: '../../escape' })).rejects.toThrow(
      /not an instance id/,
    );
    expect(parseEntry(JSON.stringify({ ...base, startedBy: 'wrap codex' }))).toBeDefined();
  });

  it('names a loopback URL for loopback and wildcard binds, none for other addresses', () => {
    expect(loopbackUrl('127.0.0.1', 4000)).toBe('http://127.0.0.1:4000');
    expect(loopbackUrl('localhost', 4000)).toBe('http://localhost:4000');
    expect(loopbackUrl('0.0.0.0', 4000)).toBe('http://127.0.0.1:4000');
    expect(loopbackUrl('::', 4000)).toBe('http://[::1]:4000');
    expect(loopbackUrl('::1', 4000)).toBe('http://[::1]:4000');
    expect(loopbackUrl('192.168.1.5', 4000)).toBeUndefined();
  });

  it('removes its entry when the process exits without unregistering', async () => {
    const unregister = await registerProxy(home, entryFor({ port: 1, instance: 'exit-test' }));
    expect(await files()).toEqual([`${process.pid}-exit-test.json`]);
    // What node runs at exit (emitting 'exit' here would run the test runner's own handlers too).
    const atExit = process.listeners('exit').at(-1) as () => void;
    atExit();
    expect(await files()).toEqual([]);
    // Idempotent once gone.
    await unregister();
  });

  it('reads nothing from a state dir without a registry', async () => {
    expect(await liveProxies(path.join(home, 'nowhere'))).toEqual([]);
  });
});
