import { type CaseResult, MODEL } from './corpus-case.js';
import type { LatencyResult } from './latency.js';
import { fmtInt, fmtMs, fmtPct, renderTable, savingsPercent } from './report.js';

export interface Totals {
  readonly cases: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly savingsPercent: number;
  readonly needles: number;
  readonly needlesKept: number;
  readonly medianMsSum: number;
}

export function totalsOf(results: readonly CaseResult[]): Totals {
  const tokensBefore = results.reduce((s, r) => s + r.tokensBefore, 0);
  const tokensAfter = results.reduce((s, r) => s + r.tokensAfter, 0);
  const needles = results.reduce((s, r) => s + r.needles, 0);
  return {
    cases: results.length,
    tokensBefore,
    tokensAfter,
    savingsPercent: savingsPercent(tokensBefore, tokensAfter),
    needles,
    needlesKept: needles - results.reduce((s, r) => s + r.lostNeedles.length, 0),
    medianMsSum: results.reduce((s, r) => s + r.medianMs, 0),
  };
}

export function totalsByKind(results: readonly CaseResult[]): Record<string, Totals> {
  const kinds = [...new Set(results.map((r) => r.kind))];
  return Object.fromEntries(kinds.map((k) => [k, totalsOf(results.filter((r) => r.kind === k))]));
}

function caseRow(r: CaseResult): string[] {
  const detected = r.detectedKind === r.kind ? '=' : `${r.detectedKind ?? '-'} (${r.action})`;
  return [
    r.name,
    r.kind,
    detected,
    fmtInt(r.tokensBefore),
    fmtInt(r.tokensAfter),
    fmtPct(r.savingsPercent),
    `${r.needles - r.lostNeedles.length}/${r.needles}`,
    fmtMs(r.medianMs),
    fmtMs(r.coldMs),
    r.transform || r.action,
  ];
}

function latencyRow(l: LatencyResult): string[] {
  if (l.crashed !== undefined)
    return [`~${fmtInt(l.targetTokens)}`, '', '', '', '', String(l.runs), '', '', `CRASHED ${l.crashed}`];
  return [
    `~${fmtInt(l.targetTokens)}`,
    fmtInt(l.tokensBefore),
    fmtInt(l.tokensAfter),
    fmtInt(l.tokensSaved),
    fmtPct(l.savingsPercent),
    String(l.runs),
    fmtMs(l.p50Ms),
    fmtMs(l.p95Ms),
    l.transform,
  ];
}

/** The human report: per-case table, totals, per-kind totals, latency table, then every failure spelled out. */
export function renderReport(
  results: readonly CaseResult[],
  latency: readonly LatencyResult[],
  runs: number,
): string {
  const out: string[] = [];
  out.push(
    `Corpus: ${results.length} real tool outputs, model ${MODEL}; ms = median of ${runs} runs, cold = first run\n`,
  );
  out.push(
    renderTable(
      [
        'case',
        'kind',
        'detected',
        'tokens before',
        '→ after',
        'savings',
        'needles',
        'ms',
        'cold ms',
        'transform',
      ],
      results.map(caseRow),
    ),
  );
  const all = totalsOf(results);
  out.push(
    `\nTotal: ${fmtInt(all.tokensBefore)} → ${fmtInt(all.tokensAfter)} tokens, ${fmtPct(all.savingsPercent)} saved; ` +
      `needles kept ${all.needlesKept}/${all.needles}; ${fmtMs(all.medianMsSum)} ms for all cases\n`,
  );
  out.push(
    renderTable(
      ['kind', 'cases', 'tokens before', '→ after', 'savings', 'needles', 'ms'],
      Object.entries(totalsByKind(results)).map(([kind, t]) => [
        kind,
        String(t.cases),
        fmtInt(t.tokensBefore),
        fmtInt(t.tokensAfter),
        fmtPct(t.savingsPercent),
        `${t.needlesKept}/${t.needles}`,
        fmtMs(t.medianMsSum),
      ]),
    ),
  );
  if (latency.length > 0) {
    out.push(
      '\nLatency on synthetic JSON arrays of order records (p50/p95 over the runs, first run included):\n',
    );
    out.push(
      renderTable(
        ['target', 'tokens before', '→ after', 'saved', 'savings', 'runs', 'p50 ms', 'p95 ms', 'transform'],
        latency.map(latencyRow),
      ),
    );
  }
  for (const r of results) {
    for (const b of r.broken) out.push(`\nBROKEN ${r.name}: ${b}`);
    if (r.action === 'crashed') continue;
    for (const n of r.lostNeedles) {
      const where = r.keptOpenAI === r.keptAnthropic ? 'both shapes' : 'one shape';
      out.push(`\nLOST ${r.name} (${where}): ${JSON.stringify(n)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
