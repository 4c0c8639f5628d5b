import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseDayRange } from '../cli/options.js';
import { liveProxies, proxyJson } from '../cli/proxy-registry.js';
import { ledgerPath, readLedger } from '../ledger/ledger.js';
import { buildReport, type GroupBy, reportJson } from '../ledger/report.js';
import { guarded, textResult } from './tool-result.js';

const STATS_TOOL_NAME = 'headroom_stats';

const DESCRIPTION =
  'Tokens and money headroom saved, as `headroom stats --json` reports them. period: daily (default), ' +
  'weekly, monthly or session; since/until: YYYY-MM-DD, inclusive.';

const PERIODS = ['daily', 'weekly', 'monthly', 'session'] as const;
const GROUP_OF: Record<(typeof PERIODS)[number], GroupBy> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  session: 'session',
};

const inputSchema = {
  period: z.enum(PERIODS).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  agent: z.string().optional(),
};

interface StatsArgs {
  readonly period?: (typeof PERIODS)[number] | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly agent?: string | undefined;
}

/** The ledger's report, built by the function `headroom stats` uses, in the shape `stats --json` prints. */
export async function stats(args: StatsArgs, stateDir: string): Promise<CallToolResult> {
  const groupBy = GROUP_OF[args.period ?? 'daily'];
  const { since, until } = parseDayRange(args.since, args.until, ['since', 'until']);
  const [{ entries, skipped }, running] = await Promise.all([readLedger(stateDir), liveProxies(stateDir)]);
  const options = { groupBy, since, until, agent: args.agent, order: 'asc' } as const;
  const report = buildReport(entries, options);
  const json = reportJson(report, options, { ledger: ledgerPath(stateDir), skippedLines: skipped });
  return textResult(JSON.stringify({ ...json, running: running.map(proxyJson) }));
}

export function registerStatsTool(server: McpServer, stateDir: string): void {
  server.registerTool(
    STATS_TOOL_NAME,
    { description: DESCRIPTION, inputSchema, annotations: { readOnlyHint: true } },
    (args) => guarded(() => stats(args, stateDir)),
  );
}
