import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { changeOf, formatInt, formatMoney, formatPercent, formatSaved, formatUsd } from '../../cli/format.js';
import { dayKey } from '../../ledger/report.js';
import type { Totals } from '../../ledger/savings.js';
import {
  type DashboardRange,
  type GroupRow,
  RANGES,
  type ReasonRow,
  type RecentRequest,
  type SessionRow,
} from '../aggregate.js';
import { DASHBOARD_JSON_PATH, type DashboardJson, type LiveCounters } from '../api.js';
import { createSavingsChart } from './charts.js';
import { type Column, fill, h, table } from './dom.js';

/** How often the page asks for fresh numbers while it is visible. */
const POLL_MS = 3_000;
const RANGE_LABELS: Record<DashboardRange, string> = {
  today: 'Today',
  '7d': '7 days',
  '30d': '30 days',
  '90d': '90 days',
  all: 'All time',
};

function rangeFromHash(): DashboardRange {
  const asked = new URLSearchParams(location.hash.slice(1)).get('range');
  return (RANGES as readonly string[]).includes(asked ?? '') ? (asked as DashboardRange) : '7d';
}

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${formatInt(n)} B`;
}

function duration(ms: number): string {
  if (ms < 1_000) return `${formatInt(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

const money = (t: Totals): string => formatMoney(t.moneySaved, t.unpricedModels, t.requests);

// The skeleton, built once; each poll refills its parts.
const root = document.getElementById('app')!;
const source = h('span', { class: 'source', 'data-testid': 'source' });
const updated = h('span', { class: 'updated', 'data-testid': 'updated' });
const problem = h('p', { class: 'problem', role: 'alert', 'data-testid': 'problem', hidden: '' });
const rangeButtons = RANGES.map((r) =>
  h('button', { type: 'button', 'data-range': r, 'aria-pressed': 'false' }, RANGE_LABELS[r]),
);
const cards = h('section', { class: 'cards', 'aria-label': 'Totals' });
const moneyNote = h('p', { class: 'note', 'data-testid': 'money-note' });
const usageNote = h('p', { class: 'note', 'data-testid': 'usage-note' });
const hourlyBox = h('div', {
  class: 'chart',
  id: 'chart-hourly',
  role: 'img',
  'aria-label': "Today's input tokens by hour: before, after and saved",
});
const dailyBox = h('div', {
  class: 'chart',
  id: 'chart-daily',
  role: 'img',
  'aria-label': 'Input tokens by day over the range: before, after and saved',
});
const dailyPanel = h('div', {}, h('h2', {}, 'By day'), dailyBox);
const live = h('section', { class: 'panel', id: 'live', 'data-testid': 'live' });
const byAgent = h('div', { class: 'panel', id: 'by-agent' });
const byModel = h('div', { class: 'panel', id: 'by-model' });
const bySession = h('section', { class: 'panel', id: 'by-session' });
const reasons = h('section', { class: 'panel', id: 'reasons' });
const recent = h('section', { class: 'panel', id: 'recent' });
const footer = h('footer', { 'data-testid': 'footer' });

fill(
  root,
  h(
    'header',
    {},
    h('h1', {}, 'headroom'),
    source,
    h('nav', { class: 'ranges', 'aria-label': 'Range' }, ...rangeButtons),
    updated,
  ),
  problem,
  cards,
  moneyNote,
  usageNote,
  h('section', { class: 'charts' }, h('div', {}, h('h2', {}, 'Today, by hour'), hourlyBox), dailyPanel),
  live,
  h('section', { class: 'split' }, byAgent, byModel),
  bySession,
  reasons,
  recent,
  footer,
);
root.removeAttribute('aria-busy');

const hourly = createSavingsChart(hourlyBox, (key) => key.slice(11, 13));
const daily = createSavingsChart(dailyBox, (key) => key.slice(5));

function card(title: string, value: string, testId: string, sub?: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-value', 'data-testid': testId }, value),
    sub === undefined ? null : h('div', { class: 'card-sub' }, sub),
  );
}

function renderCards(data: DashboardJson): void {
  const t = data.totals;
  fill(
    cards,
    card(
      'Requests',
      formatInt(t.requests),
      'total-requests',
      `${formatInt(t.compressedRequests)} compressed · ${formatInt(t.passthroughs)} unchanged`,
    ),
    card('Tokens before', formatInt(t.tokensBefore), 'total-before', 'input, whole requests'),
    card('Tokens after', formatInt(t.tokensAfter), 'total-after', 'what the provider was sent'),
    card(
      'Tokens saved',
      formatSaved(t.tokensSaved, formatInt),
      'total-saved',
      `${formatSaved(t.savedPercent, formatPercent)} of input`,
    ),
    card('$ saved', money(t), 'total-money', `API list price, snapshot ${data.pricingDate}`),
  );
  const unpriced = t.unpricedModels.map((m) => `no price for ${m}`).join(', ');
  fill(
    moneyNote,
    `$ saved is the API list-price equivalent of the saved tokens (pricing snapshot ${data.pricingDate}); subscription plans bill differently.`,
    unpriced === '' ? null : ` * ${unpriced}: those requests are not in $ saved.`,
  );
  fill(
    usageNote,
    t.reportedRequests === 0
      ? 'No response in this range carried the provider’s own usage report.'
      : `The provider’s own count (${formatInt(t.reportedRequests)} of ${formatInt(t.requests)} requests reported it): ` +
          `input ${formatInt(t.inputTokens)}, cache read ${formatInt(t.cacheReadTokens)}, ` +
          `cache write ${formatInt(t.cacheWriteTokens)}, output ${formatInt(t.outputTokens)} tokens.`,
  );
}

const groupColumns = <T extends GroupRow>(name: string): Column<T>[] => [
  { title: name, cell: (r) => r.key, key: 'key' },
  { title: 'Requests', cell: (r) => formatInt(r.requests), numeric: true },
  { title: 'Before', cell: (r) => formatInt(r.tokensBefore), numeric: true },
  { title: 'After', cell: (r) => formatInt(r.tokensAfter), numeric: true },
  { title: 'Saved', cell: (r) => formatSaved(r.tokensSaved, formatInt), numeric: true, key: 'saved' },
  { title: '%', cell: (r) => formatSaved(r.savedPercent, formatPercent), numeric: true },
  { title: '$ saved', cell: money, numeric: true },
];

function renderGroups(data: DashboardJson): void {
  const total = { key: 'Total', ...data.totals };
  for (const [panel, name, rows] of [
    [byAgent, 'Agent', data.byAgent],
    [byModel, 'Model', data.byModel],
  ] as const) {
    fill(
      panel,
      h('h2', {}, `By ${name.toLowerCase()}`),
      table(groupColumns<GroupRow>(name), rows, { empty: 'No requests in this range.', footer: total }),
    );
  }
  const [sessionKey, ...sessionNumbers] = groupColumns<SessionRow>('Session');
  const sessionColumns: Column<SessionRow>[] = [
    sessionKey!,
    { title: 'Agents', cell: (r) => r.agents.join(', ') },
    { title: 'Last seen', cell: (r) => when(r.lastSeen, data), hint: (r) => r.lastSeen },
    ...sessionNumbers,
  ];
  const more =
    data.sessionCount > data.bySession.length
      ? ` (latest ${data.bySession.length} of ${formatInt(data.sessionCount)})`
      : '';
  fill(
    bySession,
    h('h2', {}, `Sessions${more}`),
    table(sessionColumns, data.bySession, { empty: 'No sessions in this range.', rowTestId: 'session-row' }),
  );
}

function renderReasons(data: DashboardJson): void {
  const columns: Column<ReasonRow>[] = [
    { title: 'Reason', cell: (r) => r.reason, key: 'reason' },
    { title: 'Requests', cell: (r) => formatInt(r.count), numeric: true, key: 'count' },
    {
      title: 'Share',
      cell: (r) => formatPercent(data.totals.requests > 0 ? (r.count / data.totals.requests) * 100 : 0),
      numeric: true,
    },
    { title: 'What it means', cell: (r) => r.help ?? '' },
  ];
  fill(
    reasons,
    h('h2', {}, 'Why requests went through uncompressed'),
    table(columns, data.reasons, {
      empty: 'Every request in this range was compressed.',
      rowTestId: 'reason-row',
    }),
  );
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** A time in the dashboard's zone: the clock time today, the date and time before. */
function when(ts: string, data: DashboardJson): string {
  const sameDay = dayKey(ts, data.timeZone) === data.today;
  const id = `${data.timeZone}|${sameDay}`;
  let format = timeFormats.get(id);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(undefined, {
      timeZone: data.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    });
    timeFormats.set(id, format);
  }
  return format.format(new Date(ts));
}

function outcome(r: RecentRequest): string {
  const parts: string[] = [];
  parts.push(r.passthroughReason === null ? 'compressed' : `unchanged: ${r.passthroughReason}`);
  for (const [why, n] of Object.entries(r.blocksKeptRaw ?? {}))
    parts.push(`${n} block${n === 1 ? '' : 's'} raw (${why})`);
  if (r.status >= 400) parts.push(`HTTP ${r.status}`);
  return parts.join(' · ');
}

function renderRecent(data: DashboardJson): void {
  const columns: Column<RecentRequest>[] = [
    { title: 'Time', cell: (r) => when(r.ts, data), hint: (r) => r.ts, key: 'time' },
    { title: 'Agent', cell: (r) => r.agent, key: 'agent' },
    { title: 'Model', cell: (r) => r.model, key: 'model', hint: (r) => `${r.provider} ${r.path}` },
    { title: 'Session', cell: (r) => r.session, key: 'session' },
    {
      title: 'Tokens before → after',
      cell: (r) => `${formatInt(r.tokensBefore)} → ${formatInt(r.tokensAfter)}`,
      numeric: true,
      key: 'tokens',
    },
    {
      title: 'Saved',
      cell: (r) => formatSaved(r.tokensSaved, formatInt),
      numeric: true,
      key: 'saved',
      hint: (r) => (r.moneySaved === null ? `no price for ${r.model}` : formatSaved(r.moneySaved, formatUsd)),
    },
    {
      title: 'Transforms',
      cell: (r) => (r.transforms.length === 0 ? '—' : r.transforms.join('; ')),
      key: 'transforms',
      hint: (r) => r.transforms.join('\n') || undefined,
    },
    { title: 'Outcome', cell: outcome, key: 'outcome' },
    {
      title: 'Latency',
      cell: (r) => duration(r.latencyMs),
      numeric: true,
      key: 'latency',
      hint: (r) => `compression ${duration(r.compressionMs)}`,
    },
    { title: 'Stream', cell: (r) => r.stream ?? '—', key: 'stream' },
  ];
  fill(
    recent,
    h('h2', {}, 'Latest requests'),
    h(
      'div',
      { class: 'scroll' },
      table(columns, data.recent, { empty: 'No requests recorded yet.', rowTestId: 'recent-row' }),
    ),
  );
}

function renderLive(counters: LiveCounters | null): void {
  if (counters === null) {
    fill(
      live,
      h('h2', {}, 'Proxy'),
      h(
        'p',
        { class: 'note' },
        'No proxy serves this page: the numbers come from the ledger on disk. Run `headroom proxy` or `headroom wrap <agent>` and open its /dashboard for live counters.',
      ),
    );
    return;
  }
  const s = counters.stats;
  const item = (label: string, value: string, testId?: string) =>
    h('div', { class: 'stat' }, h('dt', {}, label), h('dd', { 'data-testid': testId }, value));
  fill(
    live,
    h('h2', {}, `This proxy (pid ${counters.pid}, since ${new Date(s.startedAt).toLocaleString()})`),
    h(
      'dl',
      { class: 'stats' },
      item('Model calls', formatInt(s.requests), 'live-requests'),
      item('In flight', formatInt(counters.inflight), 'live-inflight'),
      item('Compressed', formatInt(s.compressedRequests)),
      item('Unchanged', formatInt(s.passthroughs)),
      item('Errors (≥400)', formatInt(s.errors)),
      item('Other requests', formatInt(s.otherRequests)),
      item(
        'Tokens saved',
        `${formatSaved(s.tokensSaved, formatInt)} (${formatSaved(s.savedPercent, formatPercent)})`,
        'live-saved',
      ),
      item('$ saved', money(s)),
      item(
        'Compression time',
        s.requests > 0
          ? `${duration(s.compressionMs.total / s.requests)} avg, ${duration(s.compressionMs.max)} max`
          : '—',
      ),
      item('Optimization', counters.optimize ? 'on' : 'off (--no-optimize)'),
      item('Version', counters.version),
    ),
  );
}

function renderFooter(data: DashboardJson): void {
  const full = data.store.maxBytes > 0 ? ` of ${bytes(data.store.maxBytes)}` : '';
  fill(
    footer,
    h(
      'p',
      {},
      `Store: ${formatInt(data.store.files)} originals, ${bytes(data.store.bytes)}${full} (${data.store.dir}). `,
      `Ledger: ${formatInt(data.ledger.entries)} requests, ${bytes(data.ledger.bytes)} (${data.ledger.path})`,
      data.ledger.skippedLines > 0 ? `, ${formatInt(data.ledger.skippedLines)} unreadable lines skipped` : '',
      '.',
    ),
    h(
      'p',
      {},
      `Tokens are input tokens of whole requests as headroom counts them, net of what it added. Days and hours in ${data.timeZone}.`,
    ),
  );
}

function render(data: DashboardJson): void {
  fill(source, data.live === null ? 'ledger on disk (no proxy)' : `live from proxy pid ${data.live.pid}`);
  renderCards(data);
  hourly.update(data.hourly);
  // Today's one day is the hourly chart already.
  dailyPanel.hidden = data.range === 'today';
  fill(dailyPanel.firstElementChild!, `By day, ${RANGE_LABELS[data.range].toLowerCase()}`);
  daily.update(data.daily);
  const c = changeOf(data.totals.tokensSaved, data.totals.savedPercent);
  document.title = `headroom: ${c.tokens} tokens ${c.verb} (${RANGE_LABELS[data.range].toLowerCase()})`;
  renderLive(data.live);
  renderGroups(data);
  renderReasons(data);
  renderRecent(data);
  renderFooter(data);
  updated.textContent = `updated ${new Date(data.generatedAt).toLocaleTimeString()}`;
  updated.setAttribute('data-generated-at', data.generatedAt);
}

let range = rangeFromHash();
let timer: number | undefined;
let asking = 0;

async function refresh(): Promise<void> {
  const ask = ++asking;
  clearTimeout(timer);
  try {
    const response = await fetch(`${DASHBOARD_JSON_PATH}?range=${range}`, { cache: 'no-store' }).catch(
      () => undefined,
    );
    if (ask !== asking) return;
    if (response === undefined) {
      stale('Lost contact with headroom: the proxy (or `headroom dashboard`) serving this page has stopped.');
    } else if (!response.ok) {
      stale(`headroom could not answer (HTTP ${response.status}: ${(await response.text()).trim()}).`);
    } else {
      const data = (await response.json()) as DashboardJson;
      if (ask !== asking) return;
      render(data);
      problem.hidden = true;
    }
  } finally {
    if (ask === asking && !document.hidden) timer = window.setTimeout(refresh, POLL_MS);
  }
}

function stale(why: string): void {
  problem.textContent = `${why} The numbers below may be out of date; retrying every ${POLL_MS / 1000} s.`;
  problem.hidden = false;
}

function showRange(): void {
  for (const button of rangeButtons)
    button.setAttribute('aria-pressed', String(button.dataset.range === range));
}

for (const button of rangeButtons) {
  button.addEventListener('click', () => {
    range = button.dataset.range as DashboardRange;
    history.replaceState(null, '', `#range=${range}`);
    showRange();
    void refresh();
  });
}
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh();
});
showRange();
void refresh();
