import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from '../../../scripts/corpus/cases.js';
import { jsonCompressor } from '../../../src/compress/compressors/json/index.js';
import { readElements } from '../../../src/compress/compressors/json/line-elements.js';
import { elementSpans, scanJsonLines } from '../../../src/compress/compressors/json/line-scan.js';
import { extractQuery } from '../../../src/compress/query.js';
import { DEFAULT_BUDGETS } from '../../../src/compress/resolve-options.js';
import type { CompressorContext, LinePlan, RewriteResult } from '../../../src/compress/types.js';
import { openEnvelope } from '../../../src/compress/wrappers/index.js';
import { loadAgentCases, readAgentFixture } from '../../helpers/agent-cases.js';

function context(terms: string[] = [], maxItems = 15): CompressorContext {
  return {
    query: { terms, text: terms.join(' ') },
    budgets: { ...DEFAULT_BUDGETS, maxItems },
    hint: {},
    countTokens: (text) => Math.ceil(text.length / 4),
  };
}

// A fresh copy of a string, so the compressor's single-entry parse cache cannot answer for it.
function fresh(text: string): string {
  return ` ${text}`.slice(1);
}

function rewrite(text: string, ctx = context()): RewriteResult {
  const result = jsonCompressor.rewrite?.(text, ctx);
  if (result === undefined) throw new Error('expected the compressor to rewrite the block');
  return result;
}

interface Model {
  id: number;
  name: string;
  status: string;
  price: number;
  region: string;
}

function models(count: number): Model[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: `model-${i + 1}`,
    status: 'ok',
    price: 10 + (i % 5),
    region: 'us-east',
  }));
}

/** Decodes one table row the way a reader of the table format would. */
function decodeRow(row: string): (unknown | undefined)[] {
  const cells: (unknown | undefined)[] = [];
  let i = 0;
  for (;;) {
    const first = row[i];
    if (first === '"' || first === '{' || first === '[') {
      const end = jsonValueEnd(row, i);
      cells.push(JSON.parse(row.slice(i, end)));
      i = end;
    } else {
      const comma = row.indexOf(',', i);
      const cell = row.slice(i, comma === -1 ? row.length : comma);
      cells.push(decodeBare(cell));
      i = comma === -1 ? row.length : comma;
    }
    if (i >= row.length) return cells;
    i += 1;
  }
}

function decodeBare(cell: string): unknown {
  if (cell === '') return undefined;
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  if (cell === 'null') return null;
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(cell)) return Number(cell);
  return cell;
}

function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** Table rows of a rewritten array: the lines between the header and the closing bracket that are not notes. */
function tableRows(output: string): { header: string[]; rows: Record<string, unknown>[] } {
  const lines = output.split('\n');
  const open = lines.findIndex((line) => line.includes('rows under the header line'));
  const header = decodeRow((lines[open + 1] ?? '').trim()) as string[];
  const rows: Record<string, unknown>[] = [];
  for (const line of lines.slice(open + 2)) {
    const text = line.trim();
    if (text.startsWith(']')) break;
    if (text.startsWith('[')) continue;
    if (text.startsWith('{') && isJsonObjectText(text)) {
      rows.push(JSON.parse(text) as Record<string, unknown>);
      continue;
    }
    const cells = decodeRow(text);
    const row: Record<string, unknown> = {};
    header.forEach((key, c) => {
      if (cells[c] !== undefined) row[key] = cells[c];
    });
    rows.push(row);
  }
  return { header, rows };
}

/** An item whose fields do not fit the columns sits among the rows as its own JSON object. */
function isJsonObjectText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function keptLines(lines: readonly string[], plan: LinePlan): string[] {
  return lines.filter((_, i) => plan.keep[i]);
}

describe('detect', () => {
  it('recognises JSON objects and arrays, minified or pretty', () => {
    expect(jsonCompressor.detect('{"a":1}', {})).toBe(true);
    expect(jsonCompressor.detect('\n  [\n    1,\n    2\n  ]\n', {})).toBe(true);
  });

  it('rejects scalars, malformed JSON, JSON lines and plain text', () => {
    expect(jsonCompressor.detect('42', {})).toBe(false);
    expect(jsonCompressor.detect('"text"', {})).toBe(false);
    expect(jsonCompressor.detect('{"a": 1,', {})).toBe(false);
    expect(jsonCompressor.detect('{"a":1}\n{"a":2}', {})).toBe(false);
    expect(jsonCompressor.detect('[INFO] server started [ok]', {})).toBe(false);
  });
});

describe('rewrite of big arrays', () => {
  it('keeps every failing item', () => {
    const items = models(500);
    items[120] = { ...items[120], status: 'failed' } as Model;
    const withError = [...items, { id: 501, name: 'model-501', ok: false, error: 'quota exceeded' }];
    const output = rewrite(JSON.stringify(withError)).text;
    expect(output).toContain('kept as rows under the header line');
    expect(output).toContain('121,model-121,failed,');
    expect(output).toContain(
      JSON.stringify({ id: 501, name: 'model-501', ok: false, error: 'quota exceeded' }),
    );
  });

  it('keeps the item the user asked about, values unchanged', () => {
    const items = models(300);
    items[187] = { id: 188, name: 'claude-3-opus', status: 'ok', price: 75, region: 'us-west' };
    const { text, lossy } = rewrite(JSON.stringify(items), context(['price', 'claude-3-opus']));
    expect(lossy).toBe(true);
    const { rows } = tableRows(text);
    expect(rows).toContainEqual(items[187]);
  });

  it('keeps a numeric outlier', () => {
    const items = models(200).map((item) => ({ ...item, latency_ms: 40 + (item.id % 7) }));
    items[93] = { ...(items[93] as Model & { latency_ms: number }), latency_ms: 9000 };
    const { rows } = tableRows(rewrite(JSON.stringify(items)).text);
    expect(rows).toContainEqual(items[93]);
  });

  it('keeps the first three and last two items, in order', () => {
    const items = models(100);
    const { rows } = tableRows(rewrite(JSON.stringify(items)).text);
    expect(rows.slice(0, 3)).toEqual(items.slice(0, 3));
    expect(rows.slice(-2)).toEqual(items.slice(-2));
    expect(rows.map((row) => row.id)).toEqual([...rows.map((row) => row.id as number)].sort((a, b) => a - b));
  });

  it('never keeps more than the item budget', () => {
    const items = models(400).map((item, i) => ({ ...item, status: i % 3 === 0 ? 'error' : 'ok' }));
    const { rows } = tableRows(rewrite(JSON.stringify(items), context([], 10)).text);
    expect(rows).toHaveLength(10);
  });

  it('counts omitted items correctly in the notes and the summary', () => {
    const items = models(1000);
    items[500] = { ...items[500], status: 'degraded' } as Model;
    const result = rewrite(JSON.stringify(items));
    const { rows } = tableRows(result.text);
    const omitted = 1000 - rows.length;
    const noted = [...result.text.matchAll(/\[… ([\d,]+) items? omitted/g)].reduce(
      (sum, match) => sum + Number((match[1] ?? '').replace(/,/g, '')),
      0,
    );
    expect(noted).toBe(omitted);
    expect(result.text).toContain(`[${omitted} omitted items: `);
    expect(result.text).toContain(`status: ok ×${omitted}`);
    expect(result.text).toContain('region: us-east ×');
    expect(result.transform).toBe(`json:items 1000→${rows.length}`);
  });

  it('names omitted runs by their ids', () => {
    const { text } = rewrite(JSON.stringify(models(100)));
    expect(text).toMatch(/\[… 95 items omitted \(ids 4–98\) …\]/);
  });
});

describe('lossless table', () => {
  it('re-encodes a uniform array slightly over budget without losing any value', () => {
    const awkward = [
      'plain',
      'with, comma',
      'quote " inside',
      '  padded  ',
      '',
      '42',
      'true',
      'null',
      '[not an array',
      'back\\slash',
      'line\nbreak',
      'ünïcödé ✓',
      '-dash',
      '1.5e3',
      'café, "quoted"',
      '{brace',
      'trailing ',
      'tab\there',
      'bell\u0007',
      'x',
    ];
    const items = awkward.map((text, i) => ({
      id: i,
      text,
      score: i % 2 === 0 ? i / 3 : -i,
      flag: i % 3 === 0,
      extra: i % 4 === 0 ? null : { nested: [i, 'a,b'] },
      ...(i % 5 === 0 ? {} : { optional: `v${i}` }),
    }));
    const result = rewrite(JSON.stringify(items, null, 2));
    expect(result.lossy).toBe(false);
    expect(result.transform).toBe(`json:table ${items.length} rows`);
    const { rows } = tableRows(result.text);
    expect(rows).toEqual(items);
  });
});

describe('nested structures', () => {
  it('crushes an array nested inside objects and keeps the surrounding fields', () => {
    const items = models(250);
    const response = { meta: { page: 1, total: 250 }, data: { items, cursor: 'abc' }, ok: true };
    const result = rewrite(JSON.stringify(response, null, 2));
    // Fields kept around the crushed array are their original text.
    expect(result.text).toContain('"meta": {\n    "page": 1,\n    "total": 250\n  }');
    expect(result.text).toContain('"cursor": "abc"');
    expect(result.text).toContain('"ok": true');
    expect(result.text).toMatch(/"items": \[ \(250 items, \d+ kept/);
    expect(result.transform).toMatch(/^json:items 250→\d+$/);
  });

  it('crushes every big array, at any depth', () => {
    const doc = { a: { b: { c: models(60) } }, d: [{ e: models(40) }] };
    const result = rewrite(JSON.stringify(doc));
    expect(result.transform).toMatch(/^json:items 100→\d+$/);
    expect(result.text).toMatch(/"c":\[ \(60 items, \d+ kept/);
    expect(result.text).toContain('(40 items as rows under the header line, none omitted)');
  });

  it('cuts a very long string inside an object and says how much was cut', () => {
    const doc = { name: 'readme', body: 'x'.repeat(20_000) };
    const result = rewrite(JSON.stringify(doc));
    expect(result.lossy).toBe(true);
    expect(result.text).toContain('[… 18,000 more characters …]');
    expect(result.text).toContain('"name":"readme"');
  });

  it('keeps non-uniform items as exact JSON lines', () => {
    const shapes = [
      (i: number) => ({ file: `src/f${i}.ts`, bytes: i * 10, mode: '644' }),
      (i: number) => ({ dir: `src/d${i}`, entries: [i, i + 1], hidden: false }),
      (i: number) => ({ link: `l${i}`, target: `src/f${i}.ts` }),
      (i: number) => ({ socket: `/run/s${i}`, owner: 'root', open: true }),
    ];
    const items: Record<string, unknown>[] = Array.from({ length: 80 }, (_, i) => shapes[i % 4]?.(i) ?? {});
    items[41] = { dir: 'src/broken', error: 'EACCES: permission denied' };
    const result = rewrite(JSON.stringify(items));
    expect(result.text).toContain('kept as one JSON item per line');
    const jsonLines = result.text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(5);
    expect(jsonLines.length).toBeLessThanOrEqual(15);
    for (const line of jsonLines) expect(items).toContainEqual(JSON.parse(line));
    expect(jsonLines).toContain(JSON.stringify(items[41]));
  });
});

describe('arrays of scalars', () => {
  it('keeps first, last and outlying numbers and summarises the rest', () => {
    const values = Array.from({ length: 300 }, (_, i) => 100 + (i % 10));
    values[150] = 99_999;
    const result = rewrite(JSON.stringify({ samples: values }));
    expect(result.text).toContain('100,101,102');
    expect(result.text).toContain('99999');
    expect(result.text).toContain('108,109');
    expect(result.text).toMatch(/omitted values: 100–109 \(mean [\d.]+\)/);
  });

  it('keeps error lines and query matches among strings', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `request ${i} served in ${i % 30}ms`);
    lines[77] = 'ERROR upstream refused connection';
    lines[140] = 'request for /api/billing served in 3ms';
    const result = rewrite(JSON.stringify(lines), context(['/api/billing']));
    expect(result.text).toContain(JSON.stringify(lines[77]));
    expect(result.text).toContain(JSON.stringify(lines[140]));
    const kept = Number(/\(200 values, (\d+) kept/.exec(result.text)?.[1]);
    expect(result.text).toContain(`[${200 - kept} omitted values: ${200 - kept} distinct]`);
  });
});

describe('token counting', () => {
  it('sends only small pieces to the tokenizer, however many arrays a document holds', () => {
    const doc = Array.from({ length: 12 }, (_, i) => ({
      group: i,
      members: Array.from({ length: 12 }, (_, j) => ({ sub: j, rows: models(60) })),
    }));
    const text = JSON.stringify(doc);
    let counted = 0;
    const countTokens = (piece: string): number => {
      counted += piece.length;
      return Math.ceil(piece.length / 4);
    };
    const result = rewrite(text, { ...context(), countTokens });
    expect(result.transform).toMatch(new RegExp(`^json:items ${12 * 12 * 60}→\\d+$`));
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(70_000);
    expect(text.length).toBeGreaterThan(8 * 70_000);
  });
});

describe('declining', () => {
  it('declines malformed JSON', () => {
    const truncated = JSON.stringify(models(100)).slice(0, -20);
    expect(jsonCompressor.rewrite?.(truncated, context())).toBeUndefined();
    expect(jsonCompressor.rewrite?.('{"a": [1, 2,, 3]}', context())).toBeUndefined();
  });

  it('declines when there is no big array', () => {
    expect(jsonCompressor.rewrite?.(JSON.stringify({ a: 1, b: models(10) }), context())).toBeUndefined();
    expect(jsonCompressor.rewrite?.(JSON.stringify([1, 2, 3]), context())).toBeUndefined();
    expect(
      jsonCompressor.rewrite?.(JSON.stringify(Array.from({ length: 40 }, (_, i) => i)), context()),
    ).toBeUndefined();
  });

  it('declines when ids are too large to survive parsing', () => {
    const items = models(100).map((item, i) => ({ ...item, id: `${1234567890123456789n + BigInt(i)}` }));
    const text = JSON.stringify(items).replace(/"id":"(\d+)"/g, '"id":$1');
    expect(jsonCompressor.rewrite?.(text, context())).toBeUndefined();
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same input', () => {
    const items = models(700).map((item, i) => ({
      ...item,
      latency: (i * 7919) % 1000,
      region: i < 350 ? 'eu' : 'us',
    }));
    const text = JSON.stringify(items);
    const first = rewrite(fresh(text), context(['model-33']));
    const second = rewrite(fresh(text), context(['model-33']));
    expect(second).toEqual(first);
    const lines = JSON.stringify(items, null, 2).split('\n');
    const a = jsonCompressor.lines(lines, context(['model-33']));
    const b = jsonCompressor.lines(lines, context(['model-33']));
    expect(b?.keep).toEqual(a?.keep);
    expect(b?.summary).toEqual(a?.summary);
  });
});

describe('line plans from the parse of the whole block', () => {
  // Detection parses the whole block; the plan then takes element values from that parse. It must plan
  // exactly as it does when it parses every element itself (a block it did not see parsed).
  const planOf = (lines: string[], parsedFirst: boolean, terms: string[], eol = '\n') => {
    // As the router passes it: the text the lines were split from, any line ending, maybe a last one.
    const content = eol === '\n' ? lines.join(eol) : `${lines.join(eol)}${eol}`;
    jsonCompressor.detect(parsedFirst ? content : '[1]', {});
    const plan = jsonCompressor.lines(lines, { ...context(terms, 5), ...(parsedFirst ? { content } : {}) });
    return plan && { keep: plan.keep, summary: plan.summary, transform: plan.transform };
  };
  const nested = {
    packages: Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        i % 7 === 0 ? String(i) : `node_modules/pkg-${i}`,
        {
          version: `1.${i}.0`,
          dependencies: Object.fromEntries(Array.from({ length: 9 }, (_, j) => [`d${j}`, `^${j}`])),
        },
      ]),
    ),
    list: models(80).map((m, i) => ({
      ...m,
      tags: Array.from({ length: i % 3 === 0 ? 12 : 2 }, (_, j) => j),
    })),
    scalars: Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? `v${i}` : i)),
  };
  const duplicateKeys = `{\n${Array.from({ length: 30 }, (_, i) => `  "k${i % 20}": {"n": ${i}, "s": "x${i}"}`).join(',\n')}\n}`;
  const cases: [string, string[]][] = [
    ['nested objects and arrays', JSON.stringify(nested, null, 2).split('\n')],
    ['an object with duplicate keys', duplicateKeys.split('\n')],
    [
      'an array of arrays',
      JSON.stringify(
        Array.from({ length: 200 }, (_, i) => [i, `row number ${i} of the table`, i % 4 === 0]),
        null,
        1,
      ).split('\n'),
    ],
  ];
  it.each(cases)(
    'reads the texts of %s as slices of the joined lines exactly as it joins them',
    (_name, lines) => {
      const text = lines.join('\n');
      const starts = new Int32Array(lines.length);
      for (let i = 1; i < lines.length; i++) starts[i] = starts[i - 1]! + lines[i - 1]!.length + 1;
      let read = 0;
      for (const container of scanJsonLines(lines)) {
        const spans = elementSpans(container);
        const own = readElements(lines, container, spans);
        if (own === undefined) continue;
        expect(readElements(lines, container, spans, undefined, { text, starts })?.texts).toEqual(own.texts);
        read += own.texts.length;
      }
      expect(read).toBeGreaterThan(60);
    },
  );

  it.each(cases)('plans %s as it does parsing each element', (_name, lines) => {
    for (const terms of [[], ['pkg-13', 'model-7'], ['14']]) {
      const reused = planOf(lines, true, terms);
      expect(reused).toBeDefined();
      expect(reused).toEqual(planOf(lines, false, terms));
      expect(planOf(lines, true, terms, '\r\n')).toEqual(reused);
    }
  });
});

describe('exact-lines mode', () => {
  const items = models(120);
  items[60] = { ...items[60], status: 'error' } as Model;
  items[90] = { ...items[90], name: 'claude-3-opus' } as Model;
  const file = JSON.stringify({ version: 3, models: items }, null, 2).split('\n');

  it('drops whole items only and keeps structure and chosen items byte for byte', () => {
    const plan = jsonCompressor.lines(file, context(['claude-3-opus']));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    expect(plan.keep).toHaveLength(file.length);
    const kept = keptLines(file, plan);
    expect(kept.slice(0, 3)).toEqual(['{', '  "version": 3,', '  "models": [']);
    expect(kept.slice(-2)).toEqual(['  ]', '}']);
    expect(kept).toContain('      "status": "error",');
    expect(kept).toContain('      "name": "claude-3-opus",');
    // Each omitted run is a sequence of complete items.
    let start = 0;
    while (start < file.length) {
      if (plan.keep[start]) {
        start += 1;
        continue;
      }
      let end = start;
      while (end < file.length && !plan.keep[end]) end += 1;
      const run = file.slice(start, end).join('\n').replace(/,\s*$/, '');
      const parsed: unknown = JSON.parse(`[${run}]`);
      expect(Array.isArray(parsed)).toBe(true);
      expect(plan.describe?.(start, end)).toMatch(/^\d+ items \(ids? \d+(–\d+)?\)$/);
      start = end;
    }
    expect(plan.transform).toMatch(/^json:items 120→\d+$/);
    expect(plan.summary?.[0]).toMatch(/^"models": \d+ of 120 items omitted — id: /);
  });

  it('works on a partial read that starts and ends inside items', () => {
    const part = file.slice(40, 700);
    const plan = jsonCompressor.lines(part, context(['claude-3-opus']));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(part, plan);
    expect(kept[0]).toBe(part[0]);
    expect(kept.at(-1)).toBe(part.at(-1));
    expect(kept).toContain('      "status": "error",');
    expect(kept).toContain('      "name": "claude-3-opus",');
    const dropped = part.filter((_, i) => !plan.keep[i]);
    expect(dropped.filter((line) => line.trim() === '{')).toHaveLength(
      dropped.filter((line) => /^\s*},?$/.test(line)).length,
    );
    expect(plan.describe?.(part.indexOf('      "id": 20,') - 1, part.indexOf('      "id": 21,') - 1)).toBe(
      '1 item (id 20)',
    );
  });

  it('declines minified JSON, small arrays and text that is not JSON', () => {
    expect(jsonCompressor.lines([JSON.stringify(items)], context())).toBeUndefined();
    expect(jsonCompressor.lines(JSON.stringify(models(10), null, 2).split('\n'), context())).toBeUndefined();
    const code = Array.from({ length: 200 }, (_, i) => `  call(${i}), // step ${i}`);
    expect(jsonCompressor.lines(['const steps = [', ...code, '];'], context())).toBeUndefined();
  });
});

interface LockEntry {
  version: string;
  resolved: string;
  integrity: string;
  license: string;
  dev?: boolean;
  error?: string;
}

/** A package-lock shaped document: `packages` maps `node_modules/<name>` to like objects. */
function lockfile(count: number): {
  name: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
} {
  const packages: Record<string, LockEntry> = {};
  for (let i = 0; i < count; i += 1) {
    const name = i === 77 ? 'left-pad' : `pkg-${String(i).padStart(3, '0')}`;
    packages[`node_modules/${name}`] = {
      version: `1.${i % 7}.${i % 3}`,
      resolved: `https://registry.npmjs.org/${name}/-/${name}-1.${i % 7}.${i % 3}.tgz`,
      integrity: `sha512-${(i * 7919).toString(36).padStart(12, 'q')}abcdefghijklmnop`,
      license: i % 5 === 0 ? 'ISC' : 'MIT',
      ...(i % 4 === 0 ? { dev: true } : {}),
    };
  }
  return { name: 'app', lockfileVersion: 3, packages };
}

/** Lines of each omitted run of a plan, with the run's note. */
function omittedRuns(lines: readonly string[], plan: LinePlan): { text: string; note: string | undefined }[] {
  const runs: { text: string; note: string | undefined }[] = [];
  let start = 0;
  while (start < lines.length) {
    if (plan.keep[start]) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < lines.length && !plan.keep[end]) end += 1;
    runs.push({ text: lines.slice(start, end).join('\n'), note: plan.describe?.(start, end) });
    start = end;
  }
  return runs;
}

describe('keyed collections (objects of many like entries)', () => {
  it('rewrite keeps the entry the user named, failures, and the first and last entries of a lockfile map', () => {
    const doc = lockfile(150);
    const broken = doc.packages['node_modules/pkg-120'] as LockEntry;
    broken.error = 'EINTEGRITY: checksum failed';
    const result = rewrite(JSON.stringify(doc, null, 2), context(['left-pad']));
    expect(result.lossy).toBe(true);
    expect(result.transform).toMatch(/^json:items 150→\d+$/);
    // Kept entries are the original text, byte for byte.
    const original = JSON.stringify(doc, null, 2);
    const sourceOf = (key: string) => {
      const at = original.indexOf(`${JSON.stringify(key)}: {`);
      return original.slice(at, original.indexOf('\n    }', at) + 6);
    };
    const entries = new Set([...result.text.matchAll(/^ {4}"(node_modules\/[^"]+)": \{/gm)].map((m) => m[1]));
    expect(result.text).toContain(sourceOf('node_modules/left-pad'));
    expect(result.text).toContain(sourceOf('node_modules/pkg-120'));
    expect(JSON.parse(`{${sourceOf('node_modules/pkg-120')}}`)['node_modules/pkg-120']).toEqual(broken);
    expect(entries.has('node_modules/pkg-000')).toBe(true);
    expect(entries.has('node_modules/pkg-149')).toBe(true);
    expect(entries.size).toBeLessThanOrEqual(15);
    expect(result.text).toContain('"packages": { (150 entries, ');
    expect(result.text).toContain('"lockfileVersion": 3');
    const omitted = 150 - entries.size;
    const noted = [...result.text.matchAll(/\[… ([\d,]+) entr(?:y|ies) omitted \(keys? /g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    expect(noted).toBe(omitted);
    expect(result.text).toMatch(
      new RegExp(
        `\\[${omitted} omitted entries: keys node_modules/pkg-\\d+–node_modules/pkg-\\d+; version: `,
      ),
    );
    expect(result.text).toMatch(/license: MIT ×\d+, ISC ×\d+/);
  });

  it('rewrite keeps the version asked about in a version → date map and gives the span of the rest', () => {
    const time: Record<string, string> = {};
    for (let i = 0; i < 400; i += 1) {
      const day = new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString();
      time[`${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`] = day;
    }
    const result = rewrite(JSON.stringify({ name: 'lib', time }), context(['2.4.7']));
    expect(result.text).toContain(`"2.4.7":"${time['2.4.7']}"`);
    expect(result.text).toMatch(
      /omitted entries: keys 0\.0\.3–3\.9\.7; 394 distinct, 2015-01-04T\S+ to 2016-02-02T\S+\]/,
    );
  });

  it('leaves a record with many different fields alone', () => {
    const record: Record<string, unknown> = { id: 1296269, name: 'hello-world', private: false, size: 108 };
    for (const field of ['owner', 'license', 'permissions']) record[field] = { login: 'octocat', id: 1 };
    for (const field of ['forks', 'watchers', 'open_issues', 'stars', 'network']) record[field] = 42;
    for (const field of ['has_issues', 'has_wiki', 'has_pages', 'archived', 'disabled', 'fork'])
      record[field] = true;
    for (const field of ['html_url', 'description', 'homepage', 'language', 'visibility', 'default_branch'])
      record[field] = `${field} value that is long enough to matter in a summary of this record`;
    record.topics = ['api', 'json'];
    expect(jsonCompressor.rewrite?.(JSON.stringify(record, null, 2), context([], 10))).toBeUndefined();
    expect(
      jsonCompressor.lines(JSON.stringify(record, null, 2).split('\n'), context([], 10)),
    ).toBeUndefined();
  });

  it('exact-lines mode drops whole entries and names each omitted run by its keys', () => {
    const file = JSON.stringify(lockfile(150), null, 2).split('\n');
    const plan = jsonCompressor.lines(file, context(['left-pad']));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(file, plan);
    expect(kept.slice(0, 4)).toEqual(['{', '  "name": "app",', '  "lockfileVersion": 3,', '  "packages": {']);
    expect(kept).toContain('    "node_modules/left-pad": {');
    expect(kept).toContain('      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.0.2.tgz",');
    expect(kept.slice(-2)).toEqual(['  }', '}']);
    const runs = omittedRuns(file, plan);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      // Each run is a sequence of complete entries.
      const parsed = JSON.parse(`{${run.text.replace(/,\s*$/, '')}}`) as Record<string, unknown>;
      const keys = Object.keys(parsed);
      expect(run.note).toBe(
        keys.length === 1
          ? `1 entry (key ${keys[0]})`
          : `${keys.length} entries (keys ${keys[0]}–${keys.at(-1)})`,
      );
    }
    expect(plan.summary?.[0]).toMatch(
      /^"packages": \d+ of 150 entries omitted — keys node_modules\/pkg-003–/,
    );
  });

  it('exact-lines mode works on a read that starts in the middle of the map', () => {
    const file = JSON.stringify(lockfile(150), null, 2).split('\n');
    const part = file.slice(file.indexOf('    "node_modules/pkg-040": {') + 3, file.length - 200);
    const plan = jsonCompressor.lines(part, context(['left-pad']));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(part, plan);
    expect(kept[0]).toBe(part[0]);
    expect(kept.at(-1)).toBe(part.at(-1));
    expect(kept).toContain('    "node_modules/left-pad": {');
    expect(kept.length).toBeLessThan(part.length / 4);
    expect(
      plan.describe?.(
        part.indexOf('    "node_modules/pkg-050": {'),
        part.indexOf('    "node_modules/pkg-051": {'),
      ),
    ).toBe('1 entry (key node_modules/pkg-050)');
  });

  it('exact-lines mode follows a dependency tree down to the package asked about', () => {
    const leaf = (version: string) => ({ version, overridden: false });
    const deps = (prefix: string, count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}-${i}`, leaf(`${i}.0.0`)]));
    const tree = {
      name: 'app',
      dependencies: {
        ...deps('top', 10),
        ora: { version: '9.4.1', dependencies: { ...deps('ora-dep', 12), 'string-width': leaf('8.3.0') } },
        ...deps('late', 10),
      },
    };
    const file = JSON.stringify(tree, null, 2).split('\n');
    const plan = jsonCompressor.lines(file, context(['string-width', 'ora'], 4));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(file, plan);
    expect(kept).toContain('    "ora": {');
    expect(kept).toContain('        "string-width": {');
    expect(kept).toContain('          "version": "8.3.0",');
    expect(kept).not.toContain('    "top-5": {');
    expect(kept).not.toContain('        "ora-dep-5": {');
    expect(plan.summary).toEqual([
      expect.stringMatching(/^"dependencies": 17 of 21 entries omitted — keys top-\d+–late-\d+/),
      expect.stringMatching(/^"dependencies" › "ora" › "dependencies": 9 of 13 entries omitted — keys /),
    ]);
  });

  it('does not let a word most entries hold fill the budget', () => {
    const exports: Record<string, unknown> = {};
    for (let i = 0; i < 100; i += 1) {
      exports[`./helpers/h${i}`] = [{ import: `./helpers/esm/h${i}.js`, default: `./helpers/h${i}.js` }];
      exports[`./helpers/esm/h${i}`] = `./helpers/esm/h${i}.js`;
    }
    const file = JSON.stringify({ name: 'runtime', exports }, null, 2).split('\n');
    const plan = jsonCompressor.lines(file, context(['import', './helpers/h42']));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(file, plan);
    expect(kept).toContain('    "./helpers/h42": [');
    expect(plan.transform).toMatch(/^json:items 200→[4-9]$/);
  });
});

describe('query ranking', () => {
  // Shaped like `npm query` output: package objects, the root listing its dependencies by name.
  const packages = Array.from({ length: 40 }, (_, i) => ({
    name: `pkg-${i}`,
    version: '1.0.0',
    description: i === 17 ? 'Get your PATH prepended with locally installed binaries' : `Package number ${i}`,
    license: 'MIT',
    dependencies: i === 0 ? { 'get-port': '^7.2.0', chalk: '^5.0.0' } : {},
  }));
  packages[30] = {
    ...(packages[30] as (typeof packages)[number]),
    name: 'get-port',
    description: 'Get an available port',
  };
  const file = JSON.stringify(packages, null, 2).split('\n');
  const question = extractQuery(
    'List the production dependencies; which version of get-port is installed and under what license?',
  );

  it('keeps the item named by the question before items matching rarer words', () => {
    const ctx = { ...context([], 2), query: question };
    const plan = jsonCompressor.lines(file, ctx);
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(file, plan);
    expect(kept).toContain('    "name": "get-port",');
    expect(kept).toContain('    "description": "Get an available port",');
    // The second slot goes to the rarest other word, "installed", not to the root that merely lists get-port.
    expect(kept).toContain('    "name": "pkg-17",');
  });

  it('ranks an item by its rarest word, not by how many less rare words it holds', () => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      id: i,
      note: i % 10 === 0 ? 'parcel delayed, held at customs' : 'parcel delivered',
      region: i === 44 ? 'ap-south-2' : 'us-east-1',
    }));
    const file = JSON.stringify(items, null, 2).split('\n');
    const plan = jsonCompressor.lines(file, context(['delayed', 'held', 'customs', 'ap-south-2'], 1));
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    expect(keptLines(file, plan)).toContain('    "id": 44,');
  });
});

describe('items the question names, under any budget', () => {
  // The real `npm query '*'` output of the corpus; the Claude budget bench's API-dump question.
  const output = readFileSync(path.join(CORPUS_DIR, 'npm-query-installed.txt'), 'utf8');
  const question = extractQuery(
    'License audit: which installed packages are under MPL-2.0 or the Unlicense?',
  );

  it.each([10, 4, 2, 1])('keeps the MPL-2.0 and the Unlicense items at maxItems %i', (maxItems) => {
    // A hard limit (Claude Code's Bash budget, Codex's cut) bisects `maxItems` down to as little as one.
    const ctx = { ...context([], maxItems), query: question };
    const lines = output.split('\n');
    const plan = jsonCompressor.lines(lines, ctx);
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(lines, plan);
    expect(kept).toContain('    "license": "MPL-2.0",');
    expect(kept).toContain('    "name": "lightningcss",');
    expect(kept).toContain('    "license": "Unlicense",');
    expect(kept).toContain('    "name": "fast-sha256",');
    const rewritten = rewrite(output, ctx).text;
    for (const needle of ['"license":"MPL-2.0"', '"name":"lightningcss"', '"license":"Unlicense"'])
      expect(rewritten.replace(/": "/g, '":"')).toContain(needle);
  });
});

describe('line-numbered JSON reads captured from Claude Code', () => {
  const jsonReads = loadAgentCases().filter(
    (c) => c.shape === 'claude-read' && /json|lock/.test(c.name) && !c.name.includes('one-line'),
  );

  it.each(jsonReads)('$name: keeps every needle and under a fifth of the text', (c) => {
    const env = openEnvelope(readAgentFixture(c.file));
    const ctx = { ...context([], 20), query: extractQuery(c.question) };
    const plan = jsonCompressor.lines(env.lines, ctx);
    expect(plan).toBeDefined();
    if (plan === undefined) return;
    const kept = keptLines(env.lines, plan);
    for (const needle of c.needles.filter((n) => !n.startsWith('[Truncated'))) {
      expect(kept.some((line) => line.includes(needle))).toBe(true);
    }
    const chars = (lines: readonly string[]) => lines.reduce((sum, line) => sum + line.length + 1, 0);
    const summary = (plan.summary ?? []).join('\n').length;
    expect(chars(kept) + summary).toBeLessThan(chars(env.lines) / 5);
  });
});

/** Lines of a rewrite that carry the original's text: notes, brackets and table blocks set aside. */
function valueLines(text: string): string[] {
  const out: string[] = [];
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/,$/, '');
    if (/rows under the header line/.test(line)) inTable = true;
    if (inTable) {
      if (line === ']') inTable = false;
      continue;
    }
    // Notes the rewrite adds: omitted runs, statistics, and the count after an opening bracket.
    const bare = line.replace(
      / \((?:[\d,]+ (?:items?|entries|entry|values?)|[\d,]+ [a-z]+, [\d,]+ kept)[^)]*\)$/,
      '',
    );
    if (bare === '' || /^\[(?:…|[\d,]+ omitted)/.test(bare) || /^[[\]{}]$/.test(bare)) continue;
    out.push(bare.replace(/ \[… [\d,]+ more characters …\]$/, ''));
  }
  return out;
}

describe('verbatim: what a rewrite keeps is the original text', () => {
  const records = Array.from({ length: 120 }, (_, i) => ({
    id: `run-${String(i).padStart(3, '0')}`,
    loss: i === 77 ? 1e-6 : 0.5 + i / 1000,
    note: i === 77 ? 'caf\u00e9 ✓' : 'ok',
  }));
  // As a real tool writes it: exponents, unicode escapes and its own spacing, none of which JSON.stringify keeps.
  const text = `[\n${records
    .map(
      (r) =>
        `  {"id": "${r.id}",  "loss": ${r.id === 'run-077' ? '1e-06' : r.loss}, "note": "${r.id === 'run-077' ? 'caf\\u00e9 \\u2713' : r.note}"}`,
    )
    .join(',\n')}\n]`;

  it('keeps a record byte for byte: 1e-06 stays 1e-06, escapes and spacing stay', () => {
    const result = rewrite(text, context(['run-077']));
    expect(result.verbatim).toBe(true);
    expect(result.text).toContain('{"id": "run-077",  "loss": 1e-06, "note": "caf\\u00e9 \\u2713"}');
    expect(result.text).not.toContain('0.000001');
    // Tokens that JSON.stringify would change rule out the table: its cells would not be the original tokens.
    expect(result.text).not.toContain('rows under the header line');
  });

  it('every kept line of a rewrite is a run of the original text', () => {
    const result = rewrite(text, context(['run-077']));
    const pretty = JSON.stringify({ meta: { note: 'x  y', n: 1.5e-7 }, rows: models(60) }, null, 4);
    const nested = rewrite(pretty);
    for (const [original, out] of [
      [text, result.text],
      [pretty, nested.text],
    ] as const) {
      const lines = valueLines(out);
      expect(lines.length).toBeGreaterThan(2);
      for (const line of lines) expect(original, line).toContain(line);
    }
  });
});
