import type { Command } from 'commander';
import { HeadroomError } from '../../errors.js';
import { ledgerPath, readLedger } from '../../ledger/ledger.js';
import { PRICING_SNAPSHOT_DATE } from '../../ledger/pricing.js';
import {
  buildReport,
  type GroupBy,
  type Report,
  type ReportRow,
  reportJson,
  type SortOrder,
  type Totals,
} from '../../ledger/report.js';
import { stateDir } from '../../state-dir.js';
import type { CliContext, SetExitCode } from '../context.js';
import { atPath } from '../failure.js';
import { type FleetFlags, readFleetSource } from '../fleet-source.js';
import { countOf, formatInt, formatMoney, formatPercent, formatSaved } from '../format.js';
import { createLogger, type Logger } from '../logger.js';
import { parseChoice, parseDayRange, parseTimeZone } from '../options.js';
import { describeProxy, liveProxies, proxyJson } from '../proxy-registry.js';
import { type Align, renderTable } from '../table.js';

const REPORTS = ['daily', 'weekly', 'monthly', 'session'] as const;
const GROUPS = ['day', 'week', 'month', 'session', 'agent', 'model'] as const;
const REPORT_GROUP: Record<(typeof REPORTS)[number], GroupBy> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  session: 'session',
};
const KEY_HEADER: Record<GroupBy, string> = {
  day: 'Date',
  week: 'Week of',
  month: 'Month',
  session: 'Session',
  agent: 'Agent',
  model: 'Model',
};
/** Below this many columns the table drops to its compact form, as ccusage does. */
const WIDE_COLUMNS = 100;

interface StatsFlags extends FleetFlags {
  readonly by?: string;
  readonly since?: string;
  readonly until?: string;
  readonly timezone?: string;
  readonly json?: boolean;
  readonly breakdown?: boolean;
  readonly compact?: boolean;
  readonly order: string;
  readonly agent?: string;
}

export function registerStats(program: Command, ctx: CliContext, setExit: SetExitCode): void {
  program
    .command('stats')
    .description('savings recorded in the ledger, by day (default), week, month, session, agent or model')
    .argument('[report]', `${REPORTS.join(' | ')}`)
    .option('--by <group>', `group rows by ${GROUPS.join(' | ')}`)
    .option('-s, --since <date>', 'from this day, inclusive (YYYYMMDD or YYYY-MM-DD)')
    .option('-u, --until <date>', 'up to this day, inclusive (YYYYMMDD or YYYY-MM-DD)')
    .option('-z, --timezone <zone>', 'time zone for days (default: local)')
    .option('-j, --json', 'print JSON on stdout, nothing else')
    .option('-b, --breakdown', 'a row per model under each row')
    .option('--compact', 'fewer columns')
    .option('-o, --order <order>', 'asc | desc', 'asc')
    .option('--agent <name>', 'only requests of this agent (claude, codex, aider, …)')
    .option('--redis [url]', "the whole fleet's ledger on this Redis (default: $HEADROOM_REDIS_URL)")
    .option(
      '--redis-prefix <prefix>',
      "prefix of the fleet's Redis keys (default: $HEADROOM_REDIS_PREFIX or headroom:)",
    )
    .addHelpText(
      'after',
      `
Token figures are net input tokens of whole requests (system prompt, tools and messages; anything
headroom added is already subtracted); Input, Cache Read and Cache Write are the provider's own report. Money is the
API list-price equivalent of the saved tokens (pricing snapshot ${PRICING_SNAPSHOT_DATE}); subscription plans bill differently.
A last line, \`running: …\`, names the headroom proxies running now (\`running\` in JSON);
\`headroom dashboard\` shows the newest one's live counters.

Examples:
  $ headroom stats
  $ headroom stats weekly --since 20261101
  $ headroom stats weekly --breakdown
  $ headroom stats session --agent codex --json
  $ headroom stats weekly --redis redis://10.0.0.5:6379`,
    )
    .action(async (report: string | undefined, flags: StatsFlags) => {
      setExit(await stats(report, flags, ctx));
    });
}

/** Rows by the report named or by `--by`; both are checked, and must agree when both are given. */
function groupFrom(report: string | undefined, by: string | undefined): GroupBy {
  const fromReport = report === undefined ? undefined : REPORT_GROUP[parseChoice(report, REPORTS, 'report')];
  const fromBy = by === undefined ? undefined : parseChoice(by, GROUPS, '--by');
  if (fromReport !== undefined && fromBy !== undefined && fromReport !== fromBy) {
    throw new HeadroomError(
      'INVALID_OPTION',
      `\`${report}\` and \`--by ${by}\` ask for different rows; give one of them.`,
    );
  }
  return fromBy ?? fromReport ?? 'day';
}

async function stats(report: string | undefined, flags: StatsFlags, ctx: CliContext): Promise<number> {
  const json = flags.json === true;
  const logger = createLogger({ env: ctx.env, streams: ctx.streams, json });
  const groupBy = groupFrom(report, flags.by);
  const { since, until } = parseDayRange(flags.since, flags.until, ['--since', '--until']);
  const timeZone = flags.timezone === undefined ? undefined : parseTimeZone(flags.timezone);
  const order: SortOrder = parseChoice(flags.order, ['asc', 'desc'] as const, '--order');
  const dir = stateDir(ctx.env);
  // With --redis, the fleet ledger (every replica's entries) instead of this machine's.
  const fleet = flags.redis === undefined ? undefined : readFleetSource(flags, ctx.env);
  const [{ entries, skipped, ledger, instances }, running] = await Promise.all([
    fleet
      ? fleet.then((read) => ({ ...read, ledger: read.shown }))
      : atPath(ledgerPath(dir), readLedger(dir)).then((read) => ({
          ...read,
          ledger: ledgerPath(dir),
          instances: undefined,
        })),
    liveProxies(dir),
  ]);
  if (skipped > 0) {
    // On stderr even in JSON mode: stdout stays pure data, and the user still learns lines were dropped.
    ctx.streams.stderr.write(
      `headroom: skipped ${skipped} unreadable ledger line${skipped === 1 ? '' : 's'} in ${ledger}\n`,
    );
  }
  const options = {
    groupBy,
    timeZone,
    since,
    until,
    agent: flags.agent,
    order,
    // Rows that are models already have nothing to break down.
    breakdown: flags.breakdown === true && groupBy !== 'model',
  };
  const result = buildReport(entries, options);
  if (json) {
    logger.printJson({
      ...reportJson(result, options, { ledger, skippedLines: skipped }),
      ...(instances === undefined ? {} : { fleetInstances: instances }),
      running: running.map(proxyJson),
    });
    return 0;
  }
  if (result.rows.length === 0) {
    const filtered = since !== undefined || until !== undefined || flags.agent !== undefined;
    logger.out(
      filtered
        ? 'No savings recorded for that filter.'
        : `No savings recorded yet. Start an agent through headroom with \`headroom wrap claude\` (or codex, aider); the ledger will be at ${ledger}.`,
    );
  } else printTable(result, logger, flags.compact === true);
  if (instances !== undefined) logger.out(`fleet ledger on ${ledger}: ${countOf(instances, 'proxy run')}`);
  // The ledger has what they finished; their dashboards have the rest, live.
  if (running.length > 0) logger.out(`running: ${running.map(describeProxy).join(', ')}`);
  return 0;
}

function money(totals: Totals): string {
  return formatMoney(totals.moneySaved, totals.unpricedModels, totals.requests);
}

function printTable(report: Report, logger: Logger, compactFlag: boolean): void {
  const narrow = logger.columns !== undefined && logger.columns < WIDE_COLUMNS;
  const compact = compactFlag || narrow;
  const second = report.groupBy === 'agent' ? 'Models' : 'Agents';
  const full = [
    'Requests',
    'Tokens Before',
    'Tokens After',
    'Saved',
    'Saved %',
    '$ Saved',
    'Input',
    'Cache Read',
    'Cache Write',
  ];
  const headers = compact
    ? [KEY_HEADER[report.groupBy], 'Requests', 'Saved', 'Saved %', '$ Saved']
    : [KEY_HEADER[report.groupBy], second, ...full];
  const align: Align[] = headers.map((_, i) => (i < (compact ? 1 : 2) ? 'left' : 'right'));

  const cells = (label: string, names: string, t: Totals): string[] =>
    compact
      ? [
          label,
          formatInt(t.requests),
          formatSaved(t.tokensSaved, formatInt),
          formatSaved(t.savedPercent, formatPercent),
          money(t),
        ]
      : [
          label,
          names,
          formatInt(t.requests),
          formatInt(t.tokensBefore),
          formatInt(t.tokensAfter),
          formatSaved(t.tokensSaved, formatInt),
          formatSaved(t.savedPercent, formatPercent),
          money(t),
          formatInt(t.inputTokens),
          formatInt(t.cacheReadTokens),
          formatInt(t.cacheWriteTokens),
        ];
  const rows: string[][] = [];
  for (const row of report.rows) {
    rows.push(cells(row.key, namesOf(report.groupBy, row), row));
    for (const model of row.breakdown ?? []) rows.push(cells(`  └ ${model.model}`, '', model));
  }
  const footerFrom = rows.length;
  rows.push(cells(logger.color.yellow('Total'), '', report.totals));

  logger.out(logger.color.bold(`headroom savings by ${report.groupBy} (net input tokens)`));
  logger.out(renderTable({ headers, align, rows, footerFrom, color: logger.color }));
  const notes = [
    ...(compact
      ? []
      : [
          'Tokens Before/After: whole requests (system prompt, tools, messages) as headroom counts them; Input, Cache Read, Cache Write: what the provider reported.',
        ]),
    `$ Saved: API list-price equivalent of the saved tokens (pricing snapshot ${PRICING_SNAPSHOT_DATE}); subscriptions bill differently.`,
  ];
  if (report.totals.unpricedModels.length > 0) {
    const names = report.totals.unpricedModels.map((m) => `no price for ${m}`).join(', ');
    notes.push(`* ${names}; those requests are not in $ Saved.`);
  }
  if (narrow && !compactFlag)
    notes.push(`Compact view: the terminal is under ${WIDE_COLUMNS} columns; widen it for all columns.`);
  for (const note of notes) logger.out(logger.color.dim(note));
}

function namesOf(groupBy: GroupBy, row: ReportRow): string {
  return (groupBy === 'agent' ? row.models : row.agents).join(', ');
}
