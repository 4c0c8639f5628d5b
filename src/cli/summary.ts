import type { ChalkInstance } from 'chalk';
import { PRICING_SNAPSHOT_DATE } from '../ledger/pricing.js';
import type { ReasonCount, Totals } from '../ledger/report.js';
import { countOf, formatInt, formatPercent, formatUsd } from './format.js';

export interface SummaryInput {
  readonly agent: string;
  readonly totals: Totals;
  readonly models: readonly string[];
  readonly reasons: readonly ReasonCount[];
  readonly optimize: boolean;
  readonly ledger: string;
  readonly log?: string | undefined;
  readonly color: ChalkInstance;
}

/** What `wrap` prints after the agent exits: one headline of net savings, stated against what it measures. */
export function renderSummary(input: SummaryInput): string {
  const { totals, color } = input;
  const label = (text: string): string => color.dim(text.padEnd(14));
  const lines = [color.bold(`headroom · ${input.agent} session`)];
  if (totals.requests === 0) {
    lines.push(`  ${label('requests')}none went through the proxy`);
  } else {
    const mode = input.optimize ? '' : color.dim('  (optimization off: measured only)');
    lines.push(`  ${label('requests')}${formatInt(totals.requests)}${mode}`);
    lines.push(
      `  ${label('input tokens')}${formatInt(totals.tokensBefore)} → ${formatInt(totals.tokensAfter)}  ` +
        `saved ${color.green(formatInt(totals.tokensSaved))} (${formatPercent(totals.savedPercent)})`,
    );
    const priced = totals.unpricedModels.length < input.models.length;
    const money = priced
      ? `${formatUsd(totals.moneySaved)} at API list price (${input.models.join(', ')}; prices of ${PRICING_SNAPSHOT_DATE})`
      : '';
    const unpriced = totals.unpricedModels.map((m) => `no price for ${m}`).join(', ');
    lines.push(`  ${label('money saved')}${[money, unpriced].filter((s) => s !== '').join('; ')}`);
    lines.push(`  ${label('cache reads')}${formatInt(totals.cacheReadTokens)} tokens`);
    if (totals.passthroughs > 0) {
      const top = input.reasons
        .slice(0, 3)
        .map((r) => `${r.reason} ×${r.count}`)
        .join(', ');
      lines.push(`  ${label('unchanged')}${countOf(totals.passthroughs, 'request')} (${top})`);
    }
  }
  lines.push(`  ${label('ledger')}${input.ledger}`);
  if (input.log !== undefined) lines.push(`  ${label('log')}${input.log}`);
  return lines.join('\n');
}
