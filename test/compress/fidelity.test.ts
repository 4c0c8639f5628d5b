/**
 * Fidelity on real outputs captured on the development machine (test/fixtures/fidelity/README.md): what
 * the question names, the unit around a kept line, the odd error out, lockfiles, SQL dumps, `git blame`,
 * read-it-all intents and what an HTML page loads survive compression verbatim.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCompressor } from '../../src/compress/compressors/diff/index.js';
import { logCompressor } from '../../src/compress/compressors/log/index.js';
import { compress } from '../../src/index.js';
import { contextFor, keptLines } from './compressors/line-fixtures.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/fidelity');
const model = 'gpt-4o';

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** An OpenAI chat where the agent called `tool` with `args` and got `output`. */
function conversation(question: string, tool: string, args: Record<string, unknown>, output: string) {
  return [
    { role: 'user', content: question },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: tool, arguments: JSON.stringify(args) } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: output },
  ];
}

interface Run {
  readonly text: string;
  readonly kind: string | undefined;
  readonly action: string;
  readonly saved: number;
}

async function run(
  question: string,
  output: string,
  call: { tool?: string; command?: string; filePath?: string } = {},
  savingsProfile: 'default' | 'agent-90' = 'default',
): Promise<Run> {
  const args = call.filePath ? { file_path: call.filePath } : { command: call.command ?? 'cat out.txt' };
  const result = await compress(conversation(question, call.tool ?? 'bash', args, output), {
    model,
    savingsProfile,
  });
  const block = result.blocks[0]!;
  return {
    text: result.messages[2]!.content as string,
    kind: block.kind,
    action: block.action,
    saved: block.tokensBefore === 0 ? 0 : 1 - block.tokensAfter / block.tokensBefore,
  };
}

/** Every kept line is a line of the original, byte for byte; notes and markers are bracketed. */
function expectVerbatimLines(out: string, original: string): void {
  const lines = new Set(original.split('\n'));
  for (const line of out.split('\n')) {
    if (line.startsWith('[… ') || line.startsWith('[headroom: ')) continue;
    if (/^(?:csv|lockfile|sql|blame): /.test(line)) continue;
    expect(lines.has(line), `not an original line: ${line}`).toBe(true);
  }
}

describe('class 3: every entity the question names gets its rows first', () => {
  it('keeps the two rows named by store id and year, however many rows match other words', async () => {
    const csv = fixture('sales.csv');
    const out = await run('Compare Acme Widgets north sales with store 1042 in 2019', csv, {
      command: 'cat sales.csv',
    });
    expect(out.kind).toBe('csv');
    expect(out.action).toBe('compressed');
    expect(out.text).toContain('87,1042,"Cedar Market",east,2019,gadget,362,4756.57');
    expect(out.text).toContain('88,1042,"Cedar Market",east,2019,flange,137,8312.78');
    expect(out.text).toContain('Acme Widgets');
    expectVerbatimLines(out.text, csv);
  });
});

describe('class 4: the enclosing unit of a kept line', () => {
  it('keeps the multi-line declaration around a kept diff line, under a Codex-sized budget', () => {
    const lines = fixture('refactor.diff').split('\n');
    const ctx = contextFor(
      'In this refactor, what type parameters and parameters does the new function that clamps room with Math.min take?',
      { maxDiffChangedLines: 50, diffContextLines: 0 },
    );
    const kept = keptLines(lines, diffCompressor.lines(lines, ctx)!);
    expect(kept).toContain('+    const room = Math.min(budget, items.length) - out.length;');
    for (const line of [
      '+export function capPicks<',
      '+  TKey extends string = string,',
      '+>(',
      '+  budget: number,',
      '+): TItem[] {',
      '+  for (const item of items) {',
    ])
      expect(kept).toContain(line);
  });
});

describe('class 5: one verbatim instance of every distinct error code', () => {
  for (const file of ['tsc-mixed-codes.txt', 'tsc-mixed-codes-pretty.txt']) {
    it(`keeps the one TS2554 among 72 TS4114 errors in ${file}, under a Codex-sized budget`, () => {
      const lines = fixture(file).split('\n');
      const ctx = contextFor('Why does the typecheck fail?', {
        maxLogLines: 12,
        maxErrors: 2,
        errorContext: 0,
      });
      const kept = keptLines(lines, logCompressor.lines(lines, ctx)!);
      expect(kept.some((l) => l.includes('TS2554'))).toBe(true);
      expect(kept.some((l) => l.includes('TS4114'))).toBe(true);
    });
  }
});

describe('class 5 under Codex: coloured compiler output is a log', () => {
  it('reads `tsc --pretty` as a log and keeps its one TS2554 within a 3,000-character budget', async () => {
    const header =
      'Chunk ID: 1\nWall time: 1.0 seconds\nProcess exited with code 2\nOriginal token count: 4000\nOutput:\n';
    const result = await compress(
      conversation(
        'Why does the typecheck fail?',
        'exec_command',
        { cmd: 'npx tsc -p . --pretty' },
        `${header}${fixture('tsc-mixed-codes-pretty.txt')}`,
      ),
      { model, toolOutputBudget: 3000 },
    );
    expect(result.blocks[0]!.kind).toBe('log');
    const text = result.messages[2]!.content as string;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toContain('TS2554: \u001b[0mExpected 1 arguments, but got 2.');
  });
});

describe('class 6: lockfiles, SQL dumps and git blame are kinds of their own', () => {
  it('reads yarn.lock as a lockfile, keeps the entry asked about whole, and finds no errors in names', async () => {
    const lock = fixture('yarn.lock');
    const out = await run('Which version of error-ex is locked, and with which integrity?', lock, {
      tool: 'Read',
      filePath: '/srv/app/yarn.lock',
    });
    expect(out.kind).toBe('lockfile');
    expect(out.action).toBe('compressed');
    expect(out.saved).toBeGreaterThan(0.5);
    for (const line of lock.split('\n').slice(143, 149)) expect(out.text).toContain(line);
    // Entries whose names hold error words are not errors: they are not all kept.
    expect(out.text).not.toContain('json-parse-even-better-errors@');
    expectVerbatimLines(out.text, lock);
  });

  it('reads package-lock.json as a lockfile and keeps the asked-for entry with its integrity', async () => {
    const lock = fixture('package-lock.json');
    const out = await run('What version and integrity does node_modules/http-errors have?', lock, {
      command: 'cat package-lock.json',
    });
    expect(out.kind).toBe('lockfile');
    expect(out.action).toBe('compressed');
    expect(out.saved).toBeGreaterThan(0.5);
    for (const line of lock.split('\n').slice(426, 441)) expect(out.text).toContain(line);
    expectVerbatimLines(out.text, lock);
  });

  it('reads a sqlite .dump as SQL: schema whole, the rows the question names, the rest counted', async () => {
    const dump = fixture('sqlite-dump.sql');
    const out = await run('What did store 1042 sell in 2019?', dump, { command: 'sqlite3 shop.db .dump' });
    expect(out.kind).toBe('sql');
    expect(out.action).toBe('compressed');
    expect(out.saved).toBeGreaterThan(0.5);
    for (const line of dump.split('\n')) {
      if (/^(?:CREATE|COMMIT|BEGIN|PRAGMA)/.test(line)) expect(out.text).toContain(line);
    }
    expect(out.text).toContain("INSERT INTO sales VALUES(87,1042,2019,'gadget',362,4756.5699999999997088);");
    expect(out.text).toMatch(/\[… lines [\d,]+–[\d,]+ omitted: [\d,]+ rows? of sales/);
    expectVerbatimLines(out.text, dump);
  });

  it('reads git blame as blame: each commit run placed, the lines asked about kept', async () => {
    const blame = fixture('git-blame-csv-table.txt');
    const out = await run('Who wrote export function readTable and when?', blame, {
      command: 'git blame src/compress/compressors/csv/table.ts',
    });
    expect(out.kind).toBe('blame');
    expect(out.action).toBe('compressed');
    expect(out.saved).toBeGreaterThan(0.5);
    expect(out.text).toContain(blame.split('\n')[104]!);
    expect(out.text).toMatch(/\[… lines [\d,]+–[\d,]+ omitted: [\d,]+ lines from [0-9a-f]{8} \(/);
    expectVerbatimLines(out.text, blame);
  });
});

describe('class 7: read-it-all intents keep content whole', () => {
  const code = fixture('fileinput.py');
  for (const question of [
    'Port this module to TypeScript with identical behaviour',
    'Translate fileinput.py to Go',
    'Show me the entire file verbatim',
    'Reproduce the exact code of this module',
  ]) {
    it(`keeps code whole for "${question}"`, async () => {
      const out = await run(question, code, { command: 'cat fileinput.py' });
      expect(out.text).toBe(code);
    });
  }

  it('keeps a CSV file whole when asked to convert it, read by a file tool or by cat', async () => {
    const csv = fixture('sales.csv');
    const read = await run('Convert this CSV to JSON', csv, { tool: 'Read', filePath: '/srv/sales.csv' });
    expect(read.text).toBe(csv);
    const cat = await run('Convert this CSV to JSON', csv, { command: 'cat sales.csv' });
    expect(cat.text).toBe(csv);
    // Command output that is no file's content is still compressed.
    const query = await run('Convert this CSV to JSON', csv, { command: 'sqlite3 -csv shop.db "select …"' });
    expect(query.action).toBe('compressed');
  });

  it('still compresses code for an ordinary question', async () => {
    const out = await run('Where is the hook for compressed files?', code, { command: 'cat fileinput.py' });
    expect(out.action).toBe('compressed');
  });
});

describe('class 9: what an HTML page loads', () => {
  it('keeps scripts, stylesheets, the title, headings, form fields and ids', async () => {
    const html = fixture('rustdoc-lints.html');
    const out = await run('Which scripts and stylesheets does this page load?', html, {
      command: 'curl -s http://127.0.0.1:8000/rustdoc/lints.html',
    });
    expect(out.kind).toBe('html');
    expect(out.action).toBe('compressed');
    for (const needle of [
      'book-a0b12cfe.js',
      'searcher-c2a407aa.js',
      'css/general-2459343d.css',
      'highlight-493f70e1.css',
      'Rustdoc-specific lints - The rustdoc book',
      'mdbook-searchbar',
      'broken_intra_doc_links',
    ])
      expect(out.text).toContain(needle);
  });
});

describe('new kinds under a wrapper', () => {
  /** Claude Code's `Read` shape: each line prefixed by its number and a tab. */
  const numbered = (text: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line, i) => `${String(i + 1).padStart(6)}\t${line}`)
      .join('\n');
  /** The original lines a compressed text shows, prefixes taken off. */
  const shownLines = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('[… ') && !l.startsWith('[headroom: '))
      .map((l) => l.replace(/^ *\d+\t/, ''))
      .filter((l) => l !== '');

  for (const [file, question, filePath] of [
    ['yarn.lock', 'Which version of error-ex is locked?', '/srv/app/yarn.lock'],
    ['package-lock.json', 'What does node_modules/http-errors depend on?', '/srv/app/package-lock.json'],
    ['sqlite-dump.sql', 'What did store 1042 sell in 2019?', '/srv/dump.sql'],
  ] as const) {
    it(`keeps the same lines of ${file} raw and as a Claude Read`, async () => {
      const raw = fixture(file);
      const plain = await run(question, raw, { tool: 'Read', filePath });
      const read = await run(question, numbered(raw), { tool: 'Read', filePath });
      expect(read.kind).toBe(plain.kind);
      expect(read.action).toBe('compressed');
      expect(shownLines(read.text)).toEqual(shownLines(plain.text));
    });
  }
});
