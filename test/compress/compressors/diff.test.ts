import { describe, expect, it } from 'vitest';
import { diffCompressor } from '../../../src/compress/compressors/diff/index.js';
import { contextFor, gitDiff, keptLines, rendered } from './line-fixtures.js';

function plan(lines: readonly string[], question = '', budgets = {}) {
  const p = diffCompressor.lines(lines, contextFor(question, budgets));
  if (!p) throw new Error('expected the diff compressor to compress');
  return p;
}

/** One file whose single hunk rewrites `changed` lines, with long context before and after. */
function bigRewrite(changed: number): string[] {
  const out = [
    'diff --git a/src/report.ts b/src/report.ts',
    'index 1111111..2222222 100644',
    '--- a/src/report.ts',
    '+++ b/src/report.ts',
  ];
  out.push(`@@ -1,${changed / 2 + 40} +1,${changed / 2 + 40} @@`);
  for (let i = 0; i < 20; i++) out.push(` const before${i} = ${i};`);
  for (let i = 0; i < changed / 2; i++) out.push(`-  row(${i}, oldFormat(${i}));`);
  for (let i = 0; i < changed / 2; i++) out.push(`+  row(${i}, newFormat(${i}));`);
  for (let i = 0; i < 20; i++) out.push(` const after${i} = ${i};`);
  return out;
}

/** `git log -p` over `commits` commits, each touching three files with two hunks. */
function gitLogP(commits: number): string[] {
  const out: string[] = [];
  for (let c = 0; c < commits; c++) {
    out.push(
      `commit ${(0x1a2b3c4d + c * 7919).toString(16).padStart(40, '0')}`,
      `Author: Dev ${c} <dev${c}@example.com>`,
      `Date:   Fri Mar 14 09:${String(c % 60).padStart(2, '0')}:00 2025 +0000`,
      '',
      `    Fix rounding in refunds, part ${c}`,
      '',
      `    The refund path rounded half-down; this is step ${c} of the fix.`,
      '',
    );
    for (const line of gitDiff(3, 2)) out.push(line.replace(/-(\d+)\.ts/g, `-${c}-$1.ts`));
  }
  return out;
}

describe('diffCompressor.lines', () => {
  it('gives the files the question names their changed lines first, and the others at most half the budget', () => {
    const file = (path: string, count: number) => [
      `diff --git a/${path} b/${path}`,
      `--- a/${path}`,
      `+++ b/${path}`,
      `@@ -1,1 +1,${count + 1} @@`,
      ' // header',
      ...Array.from({ length: count }, (_, i) => `+export const value${i} = compute(${i});`),
    ];
    const lines = [...file('lib/html/syntax.js', 20)];
    for (let f = 0; f < 5; f++) lines.push(...file(`test/case${f}.js`, 100));
    const result = plan(lines, 'What changed in lib/html/syntax.js?', { maxDiffChangedLines: 100 });
    const kept = keptLines(lines, result);
    const named = kept.slice(0, kept.indexOf('diff --git a/test/case0.js b/test/case0.js'));
    expect(named.filter((l) => l.startsWith('+export')).length).toBe(20);
    expect(kept.filter((l) => l.startsWith('+export')).length - 20).toBeLessThanOrEqual(50);
  });

  it('shows the files the question names by its rare words and by each thing it names, not every file a common word is in', () => {
    const file = (path: string, added: string[]) => [
      `diff --git a/${path} b/${path}`,
      `--- a/${path}`,
      `+++ b/${path}`,
      `@@ -1,1 +1,${added.length + 1} @@`,
      ' // header',
      ...added.map((l) => `+${l}`),
    ];
    const lines: string[] = [];
    for (let i = 0; i < 15; i++)
      lines.push(...file(`src/option${i}.js`, [`export const option${i} = parseOption('${i}');`]));
    for (let i = 0; i < 15; i++)
      lines.push(...file(`src/version${i}.js`, [`export const version${i} = bump('${i}');`]));
    lines.push(...file('package.json', ['  "engines": {', '    "node": ">=20"', '  },']));
    for (let i = 0; i < 10; i++) lines.push(...file(`src/misc${i}.js`, [`export const misc${i} = ${i};`]));
    const result = plan(lines, 'Which version raised the minimum Node to 20, and which option came with it?');
    const kept = keptLines(lines, result);
    expect(kept).toContain('+    "node": ">=20"');
    // `option` and `version` are each in 15 of 41 files: together they do not make 30 files the answer.
    expect(kept.filter((l) => l.startsWith('diff --git ')).length).toBeLessThanOrEqual(24);
  });

  it('keeps the file the user named in a 40-file diff and shows at most 12 files', () => {
    const lines = gitDiff(40, 8, 'src/billing/invoice-totals.ts');
    const p = plan(lines, 'what changed in src/billing/invoice-totals.ts?');
    const kept = keptLines(lines, p);
    expect(kept).toContain('diff --git a/src/billing/invoice-totals.ts b/src/billing/invoice-totals.ts');
    expect(kept).toContain('+++ b/src/billing/invoice-totals.ts');
    expect(kept.filter((l) => l.startsWith('diff --git '))).toHaveLength(12);
    expect(p.transform).toMatch(/^diff:lines \d+→\d+ files 40→12$/);
  });

  it('describes dropped files with their paths and line counts', () => {
    const lines = gitDiff(40, 8);
    const out = rendered(lines, plan(lines));
    expect(
      out.some((l) => /omitted: .*\d+ files \(\+\d+ −\d+\): [^,]+\.ts, [^,]+\.ts, [^,]+\.ts, …\]$/.test(l)),
    ).toBe(true);
  });

  it('keeps at most six hunks per file and says how many more there were', () => {
    const lines = gitDiff(2, 10);
    const p = plan(lines);
    const kept = keptLines(lines, p);
    expect(kept.filter((l) => l.startsWith('@@ '))).toHaveLength(12);
    expect(
      rendered(lines, p).some((l) => /omitted: 4 more hunks \(\+8 −4\) in src\/api\/user-0\.ts\]$/.test(l)),
    ).toBe(true);
  });

  it('trims context to two lines around each change', () => {
    const lines = gitDiff(2, 10);
    const p = plan(lines);
    const hunk = lines.indexOf('@@ -10,12 +10,13 @@ export function handler0(req, res) {');
    const window = lines.slice(hunk, hunk + 14).filter((_, k) => p.keep[hunk + k]);
    expect(window).toEqual([
      '@@ -10,12 +10,13 @@ export function handler0(req, res) {',
      '   const step3 = prepare(req, 3);',
      '   const step4 = prepare(req, 4);',
      '-  const total = compute(step0, step1);',
      '+  const total = compute(step0, step1, step2);',
      '+  audit(total);',
      '   finish0(total);',
      '   finish1(total);',
    ]);
  });

  it('keeps changed lines up to the budget and counts the rest', () => {
    const lines = bigRewrite(1000);
    const p = plan(lines);
    const kept = keptLines(lines, p);
    const changed = kept.filter((l) => /^[-+] /.test(l));
    expect(changed.length).toBeGreaterThanOrEqual(280);
    expect(changed.length).toBeLessThanOrEqual(310);
    // A rewrite shows both sides: some of what was removed and some of what replaced it.
    expect(changed.filter((l) => l.startsWith('-')).length).toBeGreaterThan(100);
    expect(changed.filter((l) => l.startsWith('+')).length).toBeGreaterThan(100);
    expect(rendered(lines, p).some((l) => /omitted: [+−]\d+(?: −\d+)? changed lines/.test(l))).toBe(true);
  });

  it('keeps a changed line the user asked about even past the changed-line budget', () => {
    const lines = bigRewrite(1000);
    const target = lines.indexOf('+  row(480, newFormat(480));');
    lines[target] = '+  row(480, newFormat(480), { currency: "JPY" });';
    const kept = keptLines(lines, plan(lines, 'why did the JPY rows change?'));
    expect(kept).toContain('+  row(480, newFormat(480), { currency: "JPY" });');
  });

  it('keeps the first lines of the body a named line opens, up to the end of its block', () => {
    /** A new file: `before` filler lines, `unit`, then filler again, all added. */
    const newFile = (path: string, unit: readonly string[]) => {
      const filler = (from: number) =>
        Array.from({ length: 30 }, (_, i) => `+exports.helper${from + i} = ${from + i};`);
      const body = [...filler(0), ...unit.map((l) => `+${l}`), ...filler(30)];
      return [
        `diff --git a/${path} b/${path}`,
        'new file mode 100644',
        '--- /dev/null',
        `+++ b/${path}`,
        `@@ -0,0 +1,${body.length} @@`,
        ...body,
      ];
    };
    const js = newFile('lib/route.js', [
      'Route.prototype.dispatch = function(req, res, done){',
      '  var method = req.method.toLowerCase();',
      '',
      "  if (method === 'head' && !this.methods['head']) {",
      "    method = 'get';",
      '  }',
      '};',
      'Route.prototype.all = function(){',
    ]);
    const question = 'how does Route.prototype.dispatch treat HEAD requests?';
    const kept = keptLines(js, plan(js, question, { maxDiffChangedLines: 10 }));
    const at = kept.indexOf('+Route.prototype.dispatch = function(req, res, done){');
    expect(kept.slice(at + 1, at + 7)).toEqual([
      '+  var method = req.method.toLowerCase();',
      '+',
      "+  if (method === 'head' && !this.methods['head']) {",
      "+    method = 'get';",
      '+  }',
      '+};',
    ]);
    // The body ends where its block closes.
    expect(kept).not.toContain('+Route.prototype.all = function(){');

    const py = newFile('app/route.py', [
      'def dispatch(self, req):',
      '    method = req.method.lower()',
      "    if method == 'head':",
      "        method = 'get'",
      'def options(self):',
    ]);
    const pyKept = keptLines(py, plan(py, 'what does dispatch do with head?', { maxDiffChangedLines: 10 }));
    const pyAt = pyKept.indexOf('+def dispatch(self, req):');
    expect(pyKept.slice(pyAt + 1, pyAt + 4)).toEqual([
      '+    method = req.method.lower()',
      "+    if method == 'head':",
      "+        method = 'get'",
    ]);
    expect(pyKept).not.toContain('+def options(self):');
  });

  it('keeps commit headers and messages of git log -p output', () => {
    const lines = gitLogP(12);
    const kept = keptLines(lines, plan(lines));
    for (const line of lines) {
      if (/^(?:commit |Author: |Date: )|^ {4}\S/.test(line)) expect(kept).toContain(line);
    }
  });

  it('drops lock files before source files', () => {
    const lines = gitDiff(12, 2);
    const lock = [
      'diff --git a/package-lock.json b/package-lock.json',
      'index 3333333..4444444 100644',
      '--- a/package-lock.json',
      '+++ b/package-lock.json',
    ];
    lock.push(
      '@@ -1,4 +1,4 @@',
      '   "lockfileVersion": 3,',
      '-  "version": "1.0.0",',
      '+  "version": "1.0.1",',
      '   "name": "shop"',
    );
    const kept = keptLines([...lock, ...lines], plan([...lock, ...lines]));
    expect(kept).not.toContain('diff --git a/package-lock.json b/package-lock.json');
    expect(kept.filter((l) => l.startsWith('diff --git '))).toHaveLength(12);
  });

  it('reads hunk bodies by their counts, so removed "--" and added "++" lines are not headers', () => {
    const lines = [
      'diff --git a/db/schema.sql b/db/schema.sql',
      '--- a/db/schema.sql',
      '+++ b/db/schema.sql',
      '@@ -1,60 +1,60 @@',
    ];
    for (let i = 0; i < 30; i++) lines.push(`--- old comment ${i}`, `+++ new comment ${i}`);
    for (let i = 0; i < 30; i++) lines.push(` SELECT ${i};`);
    const p = plan(lines, '', { maxDiffChangedLines: 10 });
    expect(p.transform).toMatch(/files 1→1$/);
    expect(rendered(lines, p).some((l) => /omitted: [+−]\d+(?: −\d+)? changed lines/.test(l))).toBe(true);
  });

  it("reads the two prefix columns of a merge commit's combined diff", () => {
    const lines = [
      'diff --cc src/config.ts',
      'index 1a2b3c4,5d6e7f8..9a8b7c6',
      '--- a/src/config.ts',
      '+++ b/src/config.ts',
    ];
    lines.push('@@@ -1,40 -1,40 +1,60 @@@');
    for (let i = 0; i < 40; i++) lines.push(`  const keep${i} = ${i};`);
    for (let i = 0; i < 30; i++) lines.push(`++const merged${i} = ${i};`, ` -const theirs${i} = ${i};`);
    const p = plan(lines, '', { maxDiffChangedLines: 10 });
    const kept = keptLines(lines, p);
    expect(kept.filter((l) => l.startsWith('++const merged'))).toHaveLength(5);
    expect(kept.filter((l) => l.startsWith(' -const theirs'))).toHaveLength(5);
    expect(rendered(lines, p).some((l) => /omitted: \+25 −25 changed lines/.test(l))).toBe(true);
  });

  it('declines a small diff', () => {
    const lines = [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -1,3 +1,3 @@',
      ' a',
      '-b',
      '+c',
      ' d',
    ];
    expect(diffCompressor.lines(lines, contextFor())).toBeUndefined();
  });
});

describe('diffCompressor.detect', () => {
  it('recognises git diffs, git log -p and plain unified diffs', () => {
    expect(diffCompressor.detect(gitDiff(2, 2).join('\n'), {})).toBe(true);
    expect(diffCompressor.detect(gitLogP(2).join('\n'), {})).toBe(true);
    const plain = [
      '--- a.txt\t2025-03-14 09:00:00',
      '+++ b.txt\t2025-03-14 09:01:00',
      '@@ -1,2 +1,2 @@',
      '-x',
      '+y',
      ' z',
    ];
    expect(diffCompressor.detect(plain.join('\n'), {})).toBe(true);
  });

  it('does not claim a log that mentions diffs', () => {
    const log = ['2025-03-14 09:00:00 INFO computing diff --stat for 3 files', '--- summary ---', 'done'];
    expect(diffCompressor.detect(log.join('\n'), {})).toBe(false);
  });
});
