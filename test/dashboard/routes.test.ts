import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardJson } from '../../src/dashboard/api.js';
import { startDashboardServer } from '../../src/dashboard/server.js';
import { createLedgerWriter, readLedger } from '../../src/ledger/ledger.js';
import { createFileStore, DEFAULT_STORE_MAX_BYTES } from '../../src/store/file-store.js';
import { postMessages } from '../helpers/anthropic-call.js';
import { entry } from '../helpers/ledger-entries.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { send } from '../helpers/raw-http.js';

let h: Harness | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const SECRET_KEY = 'sk-ant-api03-dashboard-must-not-show-this';
const SECRET_TEXT = 'TOP-SECRET-CONTENT-OF-A-USER-FILE';

async function modelCall(port: number): Promise<void> {
  const res = await postMessages(
    `http://127.0.0.1:${port}`,
    { model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: SECRET_TEXT }] },
    SECRET_KEY,
  );
  expect(res.status).toBe(200);
}

const own = (port: number) => ({ host: `127.0.0.1:${port}` });

/** The ledger once it holds `n` lines: the proxy writes a call's line just after the call ends. */
async function ledgerOf(dir: string, n: number) {
  for (let i = 0; i < 200; i++) {
    const { entries } = await readLedger(dir);
    if (entries.length >= n) return entries;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the ledger in ${dir} never reached ${n} lines`);
}

describe('the proxy serves the dashboard', () => {
  it('serves the page with a strict CSP and no inline script or style', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    const res = await send(port, '/dashboard', { ...own(port), 'sec-fetch-site': 'none' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son\w+=/i);
    expect(res.text).not.toMatch(/https?:\/\//);
    // Its icon is served too, so the browser never asks the provider for /favicon.ico.
    const icon = await send(port, '/dashboard/icon.svg', own(port));
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect((await send(port, '/dashboard/other.js', own(port))).status).toBe(404);
    expect(h.anthropic.requests).toHaveLength(0);
  });

  it('answers the JSON from its ledger and its live counters, with no key and no content', async () => {
    h = await startHarness({ proxy: { session: '<script>alert(1)</script>', agent: 'claude' } });
    const { port } = h.proxy;
    await modelCall(port);
    await modelCall(port);
    const entries = await ledgerOf(h.stateDir, 2);
    const res = await send(port, '/v1/headroom/dashboard.json?range=today', {
      ...own(port),
      'sec-fetch-site': 'same-origin',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).not.toContain(SECRET_KEY);
    expect(res.text).not.toContain(SECRET_TEXT);
    const body = JSON.parse(res.text) as DashboardJson;
    expect(body.range).toBe('today');
    expect(body.totals.requests).toBe(2);
    expect(body.totals.tokensBefore).toBe(entries[0]!.tokensBefore + entries[1]!.tokensBefore);
    expect(body.recent.map((r) => r.ts)).toEqual(entries.map((e) => e.ts).reverse());
    expect(body.recent[0]).toMatchObject({
      session: '<script>alert(1)</script>',
      agent: 'claude',
      model: 'claude-sonnet-4-6',
      passthroughReason: 'nothing-to-compress',
      stream: entries[1]!.stream ?? null,
    });
    expect(body.ledger).toMatchObject({
      path: join(h.stateDir, 'ledger.jsonl'),
      entries: 2,
      skippedLines: 0,
    });
    // Nothing in "hi" to compress, so nothing stored yet.
    expect(body.store).toMatchObject({ dir: join(h.stateDir, 'ccr'), files: 0, bytes: 0 });
    expect(body.live).toMatchObject({ pid: process.pid, optimize: true, inflight: 0 });
    expect(body.live?.stats.requests).toBe(2);
  });

  it('says which ranges it knows', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    const res = await send(port, '/v1/headroom/dashboard.json?range=forever', own(port));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toBe(
      'Expected `range` to be one of today, 7d, 30d, 90d, all, got "forever".',
    );
  });

  it('refuses other origins, rebound names and pages on other ports, on the page and its data', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    await modelCall(port);
    await ledgerOf(h.stateDir, 1);
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/v1/headroom/dashboard.json']) {
      for (const headers of [
        { host: `attacker.example:${port}` },
        { ...own(port), origin: 'https://attacker.example' },
        { ...own(port), origin: `http://127.0.0.1:${port + 1}` },
        { ...own(port), 'sec-fetch-site': 'same-site' },
        { ...own(port), 'sec-fetch-site': 'cross-site' },
      ]) {
        const res = await send(port, path, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.text).not.toMatch(/tokensBefore|"requests"/);
      }
    }
  });
});

describe('headroom dashboard serving the ledger alone', () => {
  it('serves the same JSON without live counters, behind the same guard', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'headroom-dash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const writer = createLedgerWriter(dir);
    writer.append(entry({ ts: new Date().toISOString(), session: 'one' }));
    writer.append(entry({ ts: new Date().toISOString(), session: 'two', passthroughReason: 'timeout' }));
    await writer.close();
    await createFileStore({ stateDir: dir }).putAll(
      new Map([
        ['aaaa1111', 'first'],
        ['bbbb2222', 'second!'],
      ]),
    );
    const server = await startDashboardServer({ stateDir: dir });
    cleanups.push(() => server.close());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/dashboard`);
    const res = await send(server.port, '/v1/headroom/dashboard.json?range=7d', own(server.port));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as DashboardJson;
    expect(body.live).toBeNull();
    expect(body.totals).toMatchObject({ requests: 2, passthroughs: 1, tokensSaved: 16_000 });
    expect(body.reasons).toEqual([{ reason: 'timeout', count: 1, help: expect.any(String) }]);
    // The store's originals, counted by their files.
    expect(body.store).toEqual({
      dir: join(dir, 'ccr'),
      files: 2,
      bytes: 'first'.length + 'second!'.length,
      maxBytes: DEFAULT_STORE_MAX_BYTES,
    });
    expect((await send(server.port, '/dashboard', own(server.port))).status).toBe(200);
    const root = await send(server.port, '/', own(server.port));
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/dashboard');
    const rebound = await send(server.port, '/v1/headroom/dashboard.json', {
      host: `evil.example:${server.port}`,
    });
    expect(rebound.status).toBe(403);
  });
});
