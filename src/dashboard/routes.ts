import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context, Env, Hono } from 'hono';
import { ccrDir, measureStore } from '../store/file-store.js';
import { type DashboardRange, RANGES } from './aggregate.js';
import { DASHBOARD_JSON_PATH, type DashboardJson, type LiveCounters } from './api.js';
import { followLedger, type LedgerFollower } from './ledger-follower.js';
import { DASHBOARD_HTML, DASHBOARD_ICON } from './page.js';

export interface DashboardSource {
  /** The state directory whose ledger and store the page shows. */
  readonly stateDir: string;
  /** The store's size bound, to show how full it is. */
  readonly storeMaxBytes: number;
  /** The serving proxy's counters; absent when `headroom dashboard` serves the ledger on its own. */
  readonly live?: () => LiveCounters;
}

/** The page's paths: the proxy answers these itself instead of relaying them. */
export function isDashboardPath(path: string): boolean {
  return path === '/dashboard' || path.startsWith('/dashboard/');
}

/**
 * On every dashboard response: the page runs only its own script and style and talks only to its own
 * origin, cannot be framed, and nothing it shows is cached.
 */
const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Built by `scripts/bundle-cli.ts`; two levels up is the package root from src/, dist/ and dist/bundle/. */
const ASSETS = new URL('../../dist/assets/', import.meta.url);
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

/** How long a measured store size is shown before the folder is scanned again. */
const STORE_SCAN_MS = 15_000;

/**
 * Adds the dashboard to an app that already refuses foreign origins (`guardLocalRoutes`): the page at
 * `/dashboard`, its script, style and icon, and the JSON it polls. The proxy serves it among its local
 * routes; `headroom dashboard` serves it alone when no proxy runs.
 */
export function registerDashboard<E extends Env>(app: Hono<E>, source: DashboardSource): void {
  let follower: LedgerFollower | undefined;
  const assets = new Map<string, Promise<Buffer | undefined>>();
  let store: { at: number; size: Promise<{ files: number; bytes: number }> } | undefined;

  const secured = async (c: Context<E>, next: () => Promise<void>): Promise<void> => {
    await next();
    for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) c.res.headers.set(name, value);
  };
  app.use('/dashboard', secured);
  app.use('/dashboard/*', secured);
  app.use(DASHBOARD_JSON_PATH, secured);

  const page = (c: Context<E>) => c.html(DASHBOARD_HTML);
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  app.get('/dashboard/icon.svg', (c) =>
    c.body(DASHBOARD_ICON, 200, { 'content-type': 'image/svg+xml; charset=utf-8' }),
  );
  app.get('/dashboard/:asset', async (c) => {
    const name = c.req.param('asset');
    const type = ASSET_TYPES[name];
    if (type === undefined) return c.text('headroom: no such dashboard file\n', 404);
    let bytes = assets.get(name);
    if (bytes === undefined) {
      bytes = readFile(new URL(name, ASSETS)).catch(() => undefined);
      assets.set(name, bytes);
    }
    const body = await bytes;
    if (body === undefined) {
      assets.delete(name);
      return c.text(
        `headroom: the dashboard's ${name} is not built (looked in ${fileURLToPath(ASSETS)}); run \`npm run build\` in the headroom checkout.\n`,
        503,
      );
    }
    return c.body(new Uint8Array(body), 200, { 'content-type': type });
  });

  app.get(DASHBOARD_JSON_PATH, async (c) => {
    const asked = c.req.query('range') ?? '7d';
    if (!(RANGES as readonly string[]).includes(asked)) {
      return c.json(
        {
          error: {
            message: `Expected \`range\` to be one of ${RANGES.join(', ')}, got ${JSON.stringify(asked)}.`,
            type: 'invalid_request',
          },
        },
        400,
      );
    }
    // Days and hours in the local zone, as `headroom stats` counts them by default.
    follower ??= followLedger(source.stateDir);
    const now = Date.now();
    if (store === undefined || now - store.at > STORE_SCAN_MS)
      store = { at: now, size: measureStore(source.stateDir) };
    const [ledger, size] = await Promise.all([follower.read(), store.size]);
    const body: DashboardJson = {
      generatedAt: new Date(now).toISOString(),
      ...ledger.sums.view(asked as DashboardRange, new Date(now)),
      ledger: {
        path: ledger.path,
        entries: ledger.sums.entries,
        skippedLines: ledger.skippedLines,
        bytes: ledger.bytes,
      },
      store: { dir: ccrDir(source.stateDir), ...size, maxBytes: source.storeMaxBytes },
      live: source.live?.() ?? null,
    };
    return c.json(body);
  });
}
