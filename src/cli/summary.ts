import { PRICING_SNAPSHOT_DATE } from '../ledger/pricing.js';
import { type Totals, UPSTREAM_UNREACHABLE } from '../ledger/savings.js';
import { changeOf, countOf, formatInt, formatSaved, formatUsd } from './format.js';
import type { Colors } from './logger.js';

export interface SummaryInput {
  readonly agent: string;
  readonly totals: Totals;
  readonly optimize: boolean;
  readonly ledger: string;
  readonly log?: string | undefined;
  /** Where requests go, named when the upstream could not be reached. */
  readonly upstreams?: readonly string[];
  readonly color: Colors;
}

/**
 * What `wrap` (and `proxy` on exit) prints: one headline of net savings over whole requests (system
 * prompt, tools and messages), the provider's own usage beside it so it can be held against the bill, and
 * why requests went out unchanged, an unreachable upstream first and on its own line.
 */
export function renderSummary(input: SummaryInput): string {
  const { totals, color } = input;
  const label = (text: string): string => color.dim(text.padEnd(14));
  const lines = [color.bold(`headroom · ${input.agent} session`)];
  if (totals.requests === 0) {
    lines.push(`  ${label('requests')}none went through the proxy`);
  } else {
    const mode = input.optimize ? '' : color.dim('  (optimization off: measured only)');
    lines.push(`  ${label('requests')}${formatInt(totals.requests)}${mode}`);
    // Claude budget mode can send more than the agent did: a view of an output Claude Code had cut to a
    // 2 KB preview. Said as such, never as a bare negative saving.
    const c = changeOf(totals.tokensSaved, totals.savedPercent);
    const change =
      c.verb === 'saved'
        ? `saved ${color.green(c.tokens)} (${c.percent})`
        : `added ${color.yellow(c.tokens)} (${c.percent}): views of outputs the agent had cut to a preview, so the model sees them`;
    lines.push(
      `  ${label('input tokens')}${formatInt(totals.tokensBefore)} → ${formatInt(totals.tokensAfter)}  ${change}` +
        color.dim('  whole requests: system, tools, messages'),
    );
    lines.push(`  ${label('provider')}${providerUsage(totals)}`);
    const priced = totals.unpricedModels.length < totals.models.length;
    const money = priced
      ? `${formatSaved(totals.moneySaved, formatUsd)} at API list price (${totals.models.join(', ')}; prices of ${PRICING_SNAPSHOT_DATE})`
      : '';
    const unpriced = totals.unpricedModels.map((m) => `no price for ${m}`).join(', ');
    lines.push(`  ${label('money saved')}${[money, unpriced].filter((s) => s !== '').join('; ')}`);
    const unreachable = totals.passthroughReasons[UPSTREAM_UNREACHABLE] ?? 0;
    if (unreachable > 0) {
      const where = input.upstreams?.length ? ` (${input.upstreams.join(', ')})` : '';
      lines.push(
        `  ${label('unreachable')}${color.red(`${countOf(unreachable, 'request')} failed: the provider could not be reached${where}`)}`,
      );
    }
    const others = Object.entries(totals.passthroughReasons).filter(([r]) => r !== UPSTREAM_UNREACHABLE);
    if (others.length > 0) {
      const count = others.reduce((sum, [, n]) => sum + n, 0);
      const top = others
        .slice(0, 3)
        .map(([reason, n]) => `${reason} ×${n}`)
        .join(', ');
      lines.push(`  ${label('unchanged')}${countOf(count, 'request')} (${top})`);
    }
  }
  lines.push(`  ${label('ledger')}${input.ledger}`);
  if (input.log !== undefined) lines.push(`  ${label('log')}${input.log}`);
  return lines.join('\n');
}

/** The provider's own report, summed: what the bill is made of. */
function providerUsage(totals: Totals): string {
  if (totals.reportedRequests === 0) return 'no usage reported';
  const parts = [
    `input ${formatInt(totals.inputTokens)}`,
    `cache read ${formatInt(totals.cacheReadTokens)}`,
    `cache write ${formatInt(totals.cacheWriteTokens)}`,
    `output ${formatInt(totals.outputTokens)}`,
  ];
  const of =
    totals.reportedRequests < totals.requests
      ? ` (reported on ${formatInt(totals.reportedRequests)} of ${formatInt(totals.requests)} requests)`
      : '';
  return `${parts.join(' · ')} tokens${of}`;
}
