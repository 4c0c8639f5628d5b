import { type CaseResult, MODEL, SHAPES, type Shape } from './corpus-case.js';
import type { LatencyResult } from './latency.js';
import { fmtInt, fmtMs, fmtPct, renderTable, savingsPercent } from './report.js';

export interface Totals {
  readonly cases: number;
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  readonly savingsPercent: number;
  readonly needles: number;
  readonly needlesKept: number;
}

/** Outputs at least this big must save the target share in every shape, where the content is compressible. */
export const BIG_OUTPUT_TOKENS = 10_000;
export const BIG_OUTPUT_TARGET = 80;
/** A wrapped shape may save at most this many points less than the same content raw. */
export const SHAPE_GAP_POINTS = 5;

export function totalsOf(results: readonly CaseResult[], shape: Shape): Totals {
  const tokensBefore = results.reduce((s, r) => s + r.shapes[shape].tokensBefore, 0);
  const tokensAfter = results.reduce((s, r) => s + r.shapes[shape].tokensAfter, 0);
  const needles = results.reduce((s, r) => s + r.needles, 0);
  return {
    cases: results.length,
    tokensBefore,
    tokensAfter,
    savingsPercent: savingsPercent(tokensBefore, tokensAfter),
    needles,
    needlesKept: needles - results.reduce((s, r) => s + r.shapes[shape].lostNeedles.length, 0),
  };
}

export function totalsByShape(results: readonly CaseResult[]): Record<Shape, Totals> {
  return Object.fromEntries(SHAPES.map((s) => [s, totalsOf(results, s)])) as Record<Shape, Totals>;
}

export function totalsByKind(results: readonly CaseResult[]): Record<string, Record<Shape, Totals>> {
  const kinds = [...new Set(results.map((r) => r.kind))];
  return Object.fromEntries(kinds.map((k) => [k, totalsByShape(results.filter((r) => r.kind === k))]));
}

/** Where a case misses a target: a big output under 80% in some shape, or a shape 5+ points under raw. */
export function targetMisses(r: CaseResult): string[] {
  if (r.crashed !== undefined) return [`crashed: ${r.crashed}`];
  const misses: string[] = [];
  const raw = r.shapes.raw;
  for (const shape of SHAPES) {
    const s = r.shapes[shape];
    if (s.tokensBefore >= BIG_OUTPUT_TOKENS && s.savingsPercent < BIG_OUTPUT_TARGET)
      misses.push(`${shape} saves ${fmtPct(s.savingsPercent)} of ${fmtInt(s.tokensBefore)} tokens`);
    if (shape !== 'raw' && s.savingsPercent < raw.savingsPercent - SHAPE_GAP_POINTS)
      misses.push(`${shape} saves ${fmtPct(s.savingsPercent)} vs ${fmtPct(raw.savingsPercent)} raw`);
  }
  return misses;
}

function shapeCells(r: CaseResult, shape: Shape): string[] {
  const s = r.shapes[shape];
  const detected = s.detectedKind === r.kind ? '=' : `${s.detectedKind ?? '-'}`;
  return [detected, fmtPct(s.savingsPercent), `${r.needles - s.lostNeedles.length}/${r.needles}`];
}

function caseRow(r: CaseResult): string[] {
  return [
    r.name,
    r.kind,
    fmtInt(r.shapes.raw.tokensBefore),
    ...SHAPES.flatMap((s) => shapeCells(r, s)),
    fmtMs(r.medianMs),
  ];
}

const SHAPE_HEADERS = SHAPES.flatMap((s) => [s, 'saved', 'needles']);

function totalsRow(label: string, cases: number, t: Record<Shape, Totals>): string[] {
  return [
    label,
    String(cases),
    fmtInt(t.raw.tokensBefore),
    ...SHAPES.flatMap((s) => [fmtPct(t[s].savingsPercent), `${t[s].needlesKept}/${t[s].needles}`]),
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

/**
 * The human report: per-case table (detected kind, savings and needles in each shape; `=` when the
 * detected kind is the case's), totals per kind and shape, target misses, latency, every failure spelled out.
 */
export function renderReport(
  results: readonly CaseResult[],
  latency: readonly LatencyResult[],
  runs: number,
  label: string,
): string {
  const out: string[] = [];
  out.push(
    `${label}: ${results.length} real tool outputs, model ${MODEL}; tokens = the tool output raw; ms = median of ${runs} raw runs\n`,
  );
  out.push(renderTable(['case', 'kind', 'tokens', ...SHAPE_HEADERS, 'ms'], results.map(caseRow)));
  const kindHeaders = ['kind', 'cases', 'tokens', ...SHAPES.flatMap((s) => [`${s} saved`, 'needles'])];
  const rows = Object.entries(totalsByKind(results)).map(([kind, t]) =>
    totalsRow(kind, results.filter((r) => r.kind === kind).length, t),
  );
  rows.push(totalsRow('all', results.length, totalsByShape(results)));
  out.push(`\n${renderTable(kindHeaders, rows)}`);
  const misses = results.flatMap((r) => targetMisses(r).map((m) => `  ${r.name}: ${m}`));
  out.push(
    `\nTargets (≥${BIG_OUTPUT_TARGET}% saved in every shape over ${fmtInt(BIG_OUTPUT_TOKENS)} tokens; no shape more than ${SHAPE_GAP_POINTS} points under raw): ${misses.length === 0 ? 'all met' : `${misses.length} misses`}`,
  );
  out.push(...misses);
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
    if (r.crashed !== undefined) {
      out.push(`\nCRASHED ${r.name}: ${r.crashed}`);
      continue;
    }
    for (const shape of SHAPES) {
      const s = r.shapes[shape];
      if (s.broken) out.push(`\nBROKEN ${r.name} (${shape}): ${s.broken}`);
      for (const n of s.lostNeedles)
        out.push(`\nLOST ${r.name} (${shape}, ${s.action}): ${JSON.stringify(n)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
