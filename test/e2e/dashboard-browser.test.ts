/**
 * The dashboard in a real browser (the system's chromium, driven by playwright-core, which downloads
 * nothing) against a real proxy and a fake provider on loopback: the numbers on the page are the
 * ledger's, the charts draw, the page follows new requests without a reload, user-controlled strings stay
 * text, and pages of other origins get nothing.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInt } from '../../src/cli/format.js';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import { readLedger } from '../../src/ledger/ledger.js';
import { postMessages } from '../helpers/anthropic-call.js';
import { ensureBuilt } from '../helpers/cli.js';
import { testLog } from '../helpers/outputs.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';

const CHROMIUM = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';
const SESSION = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

let h: Harness;
let browser: Browser;
let other: Server;
let otherPort: number;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is missing at ${CHROMIUM}: install it (\`apt-get install -y --no-install-recommends chromium\`, as .ci/run does) or point HEADROOM_CHROMIUM at one.`,
    );
  }
  // The page's script and style are built into dist/assets/ with the CLI.
  await ensureBuilt();
  h = await startHarness({ proxy: { session: SESSION, agent: 'claude' } });
  // A page on another loopback port: same site as the proxy, another origin.
  other = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another local app</title>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherPort = (other.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI containers has no user namespace for the sandbox; the page is our own, on loopback.
    // The resolver rule stands in for a DNS-rebinding name that resolves to the proxy.
    args: ['--no-sandbox', '--host-resolver-rules=MAP rebound.example 127.0.0.1'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.close(resolve));
  await h?.close();
});

async function modelCall(toolOutput: string): Promise<void> {
  const res = await postMessages(h.proxy.url, {
    model: 'claude-sonnet-4-6',
    max_tokens: 5,
    stream: true,
    messages: [
      { role: 'user', content: 'run the tests' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: toolOutput }] },
    ],
  });
  expect(res.status).toBe(200);
}

async function ledger(n: number): Promise<LedgerEntry[]> {
  for (let i = 0; i < 300; i++) {
    const { entries } = await readLedger(h.stateDir);
    if (entries.length >= n) return entries;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the ledger never reached ${n} lines`);
}

interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

const sum = (entries: readonly LedgerEntry[], pick: (e: LedgerEntry) => number) =>
  entries.reduce((n, e) => n + pick(e), 0);

/** The page's totals and latest-request rows, as the user reads them. */
async function shown(page: Page) {
  const text = (id: string) => page.locator(`[data-testid="${id}"]`).textContent();
  return {
    requests: await text('total-requests'),
    before: await text('total-before'),
    after: await text('total-after'),
    saved: await text('total-saved'),
    rows: await page.locator('[data-testid="recent-row"]').evaluateAll((rows) =>
      rows.map((row) => ({
        session: row.querySelector('[data-col="session"]')?.textContent,
        tokens: row.querySelector('[data-col="tokens"]')?.textContent,
        outcome: row.querySelector('[data-col="outcome"]')?.textContent,
      })),
    ),
  };
}

function expected(entries: readonly LedgerEntry[]) {
  return {
    requests: formatInt(entries.length),
    before: formatInt(sum(entries, (e) => e.tokensBefore)),
    after: formatInt(sum(entries, (e) => e.tokensAfter)),
    saved: formatInt(sum(entries, (e) => e.tokensSaved)),
    rows: [...entries]
      .sort((a, b) => (a.ts < b.ts ? 1 : -1))
      .map((e) => ({
        session: SESSION,
        tokens: `${formatInt(e.tokensBefore)} → ${formatInt(e.tokensAfter)}`,
        outcome: e.passthroughReason === undefined ? 'compressed' : `unchanged: ${e.passthroughReason}`,
      })),
  };
}

describe('the dashboard in a browser', () => {
  it('shows the ledger, draws its charts, follows new requests and refuses other origins', async () => {
    await modelCall(testLog(1200));
    await modelCall('ok');
    const first = await ledger(2);
    expect(first.filter((e) => e.tokensSaved > 0)).toHaveLength(1);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${h.proxy.url}/dashboard`);
    await page.locator('[data-testid="recent-row"]').nth(1).waitFor();
    expect(await shown(page)).toEqual(expected(first));
    // Beside headroom's count, the provider's own (the fake reports usage on every answer).
    expect(await page.locator('[data-testid="usage-note"]').textContent()).toContain(
      `(2 of 2 requests reported it): input ${formatInt(sum(first, (e) => e.usage?.inputTokens ?? 0))}, `,
    );

    // User-controlled strings stayed text: nothing of the session id ran or became an element.
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#app img, #app script').count()).toBe(0);

    // Both charts drew on their canvas.
    for (const id of ['chart-hourly', 'chart-daily']) {
      const inked = await page.locator(`#${id} canvas`).evaluate((element) => {
        // The DOM's types are not in the test build; this is the little of a canvas read here.
        const canvas = element as unknown as Canvas;
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return { width: canvas.width, height: canvas.height, inked: n };
      });
      expect(inked.width, id).toBeGreaterThan(100);
      expect(inked.inked, id).toBeGreaterThan(500);
    }
    expect(await page.locator('[data-testid="live-requests"]').textContent()).toBe('2');

    // Another request shows up without a reload.
    await page.evaluate(() => {
      (globalThis as { __sameDocument?: boolean }).__sameDocument = true;
    });
    await modelCall(testLog(900));
    const second = await ledger(3);
    await page.locator('[data-testid="recent-row"]').nth(2).waitFor({ timeout: 15_000 });
    await expect.poll(() => shown(page), { timeout: 10_000 }).toEqual(expected(second));
    expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    // Ranges switch in place; today's single day is left to the hourly chart.
    await page.getByRole('button', { name: 'Today' }).click();
    await expect.poll(() => page.locator('#chart-daily').isVisible()).toBe(false);
    await page.getByRole('button', { name: '30 days' }).click();
    await expect.poll(() => page.locator('#chart-daily canvas').isVisible()).toBe(true);
    expect(page.url()).toMatch(/#range=30d$/);
    expect(await page.locator('[data-testid="total-requests"]').textContent()).toBe('3');
    expect(problems).toEqual([]);

    // A page of another origin (another loopback port) cannot read the data: its fetch fails, and even
    // a no-cors request (which the browser would hand over opaque) or an embedded script gets a 403.
    const foreign = await browser.newPage();
    await foreign.goto(`http://127.0.0.1:${otherPort}/`);
    const api = `${h.proxy.url}/v1/headroom/dashboard.json`;
    const read = await foreign.evaluate(async (url) => {
      try {
        const res = await fetch(url);
        return `read ${res.status}: ${await res.text()}`;
      } catch (error) {
        return `failed: ${(error as Error).name}`;
      }
    }, api);
    expect(read).toBe('failed: TypeError');
    const opaque = foreign.waitForResponse((r) => r.url() === api);
    await foreign.evaluate((url) => fetch(url, { mode: 'no-cors' }).then(() => undefined), api);
    expect((await opaque).status()).toBe(403);
    const script = `${h.proxy.url}/dashboard/dashboard.js`;
    const embedded = foreign.waitForResponse((r) => r.url() === script);
    await foreign.setContent(`<script src="${script}"></script>`);
    expect((await embedded).status()).toBe(403);

    // A name rebound to 127.0.0.1 gets the refusal, not the page.
    const rebound = await foreign.goto(`http://rebound.example:${h.proxy.port}/dashboard`);
    expect(rebound?.status()).toBe(403);
    expect(await foreign.content()).not.toContain('dashboard.js');
    const data = await foreign.goto(`http://rebound.example:${h.proxy.port}/v1/headroom/dashboard.json`);
    expect(data?.status()).toBe(403);
    expect(await data?.text()).toMatch(/^headroom: Host .* is not this proxy's loopback address/);

    // When the proxy stops, the page says so instead of showing old numbers as current.
    await h.proxy.stop();
    await page.locator('[data-testid="problem"]').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('[data-testid="problem"]').textContent()).toMatch(
      /^Lost contact with headroom/,
    );
  });
});
