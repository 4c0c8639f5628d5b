import { describe, expect, it } from 'vitest';
import { codeCompressor } from '../../../src/compress/compressors/code/index.js';
import type { CompressorContext, LinePlan } from '../../../src/compress/types.js';
import { contextFor, keptLines, rendered } from './line-fixtures.js';
import { workspaceModule } from './text-samples.js';

function contextIn(filePath: string, question = ''): CompressorContext {
  return { ...contextFor(question), hint: { filePath } };
}

function plan(lines: readonly string[], ctx: CompressorContext): LinePlan {
  const result = codeCompressor.lines(lines, ctx);
  if (!result) throw new Error('expected a plan');
  return result;
}

/** Lines from `first` (a whole line) through `last`, inclusive. */
function span(lines: readonly string[], first: string, last: string): string[] {
  const from = lines.indexOf(first);
  const to = lines.indexOf(last, from);
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  return lines.slice(from, to + 1);
}

const PYTHON = [
  '"""Sync jobs between the queue and the warehouse."""',
  '',
  'import logging',
  'from dataclasses import dataclass',
  '',
  'log = logging.getLogger(__name__)',
  '',
  '',
  '@dataclass',
  'class Job:',
  '    id: str',
  '    attempts: int = 0',
  '',
  '    def describe(self) -> str:',
  '        return f"job {self.id} ({self.attempts} attempts)"',
  '',
  '',
  'class JobRunner:',
  '    """Runs jobs with retries."""',
  '',
  '    def __init__(self, queue, warehouse, limit=3):',
  '        self.queue = queue',
  '        self.warehouse = warehouse',
  '        self.limit = limit',
  '',
  '    @staticmethod',
  '    def backoff(attempt: int) -> float:',
  '        return min(30.0, 0.5 * 2 ** attempt)',
  '',
  '    def run_batch(self, size: int) -> int:',
  '        """Pull up to `size` jobs and push their rows.',
  '',
  '        Returns the number of jobs that finished.',
  '        """',
  '        done = 0',
  '        for job in self.queue.pull(size):',
  '            rows = self.queue.rows(job.id)',
  '            if not rows:',
  '                log.info("job %s has no rows", job.id)',
  '                continue',
  '            try:',
  '                self.warehouse.insert(rows)',
  '            except TimeoutError:',
  '                job.attempts += 1',
  '                if job.attempts > self.limit:',
  '                    raise RuntimeError(f"job {job.id} gave up")',
  '                self.queue.retry(job, delay=self.backoff(job.attempts))',
  '                continue',
  '            self.queue.ack(job.id)',
  '            done += 1',
  '        log.info("batch finished: %d of %d", done, size)',
  '        return done',
  '',
  '',
  'def main() -> None:',
  '    runner = JobRunner(queue=None, warehouse=None)',
  '    runner.run_batch(100)',
];

const GO = [
  'package store',
  '',
  'import (',
  '\t"context"',
  '\t"fmt"',
  ')',
  '',
  '// Store reads and writes accounts.',
  'type Store struct {',
  '\tdb   DB',
  '\tname string',
  '}',
  '',
  '// Load reads one account and its limits.',
  'func (s *Store) Load(ctx context.Context, id string) (*Account, error) {',
  '\trow := s.db.QueryRow(ctx, "select * from accounts where id = $1", id)',
  '\tvar a Account',
  '\tif err := row.Scan(&a.ID, &a.Name, &a.Plan); err != nil {',
  '\t\treturn nil, fmt.Errorf("load %s: %w", id, err)',
  '\t}',
  '\tlimits, err := s.limits(ctx, a.Plan)',
  '\tif err != nil {',
  '\t\treturn nil, err',
  '\t}',
  '\ta.Limits = limits',
  '\ta.Name = normalise(a.Name)',
  '\ta.Loaded = true',
  '\ta.Source = s.name',
  '\treturn &a, nil',
  '}',
  '',
  'func (s *Store) limits(ctx context.Context, plan string) (Limits, error) {',
  '\tvar l Limits',
  '\tl.Plan = plan',
  '\tl.Requests = 1000',
  '\tl.Burst = 50',
  '\tl.Window = 60',
  '\tl.Region = "eu"',
  '\tl.Tier = 2',
  '\treturn l, nil',
  '}',
];

describe('codeCompressor', () => {
  it('keeps the whole body of the function the question names while eliding the other long bodies', () => {
    const lines = workspaceModule();
    const result = plan(
      lines,
      contextIn('src/workspace.ts', 'Why does resolveWorkspaceRoot return null for nested packages?'),
    );
    const kept = keptLines(lines, result);
    const target = span(lines, 'export async function resolveWorkspaceRoot(', '  return null;');
    for (const line of target) expect(kept).toContain(line);
    expect(kept).not.toContain('    normalised[key.toLowerCase()] = trimmed;');
    expect(kept.length).toBeLessThan(lines.length * 0.5);
    expect(result.transform).toBe(`code:lines ${lines.length}→${kept.length}`);
  });

  it('keeps imports, declarations, signatures, decorators and the error handling inside elided bodies', () => {
    const lines = workspaceModule();
    const kept = keptLines(lines, plan(lines, contextIn('src/workspace.ts')));
    expect(kept).toEqual(
      expect.arrayContaining([
        "import { readFile, stat } from 'node:fs/promises';",
        'export interface LoadOptions {',
        '  fileName?: string;',
        'export class WorkspaceIndex {',
        '  @trace()',
        '  async refresh(logger: Logger): Promise<number> {',
        'export async function loadManifest0(dir: string, options: LoadOptions = {}): Promise<ManifestRecord> {',
        '  } catch (cause) {',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of TypeScript source, not a template
        '    throw new WorkspaceError(`cannot read ${file}`, { cause });',
        '  return { file, version, entries: normalised, checkedAt: options.now ?? 0 };',
        'export async function resolveWorkspaceRoot(',
        '  start: string,',
        '): Promise<string | null> {',
      ]),
    );
    // The closing brace of an elided body stays, so the outline still reads as code.
    expect(kept.filter((l) => l === '}').length).toBeGreaterThan(20);
  });

  it('says which function an omitted run belongs to', () => {
    const lines = workspaceModule();
    const notes = rendered(lines, plan(lines, contextIn('src/workspace.ts'))).filter((l) =>
      l.startsWith('[…'),
    );
    expect(notes).toContain('[… 25 omitted: body of loadManifest0 (25 lines)]');
    expect(notes.some((n) => /body of resolveWorkspaceRoot \(\d+ lines\)/.test(n))).toBe(true);
  });

  it('keeps a Python module’s decorators, signatures, docstring openings and raise lines', () => {
    const ctx = contextIn('jobs/runner.py');
    const kept = keptLines(PYTHON, plan(PYTHON, ctx));
    expect(kept).toEqual(
      expect.arrayContaining([
        '@dataclass',
        'class Job:',
        '    @staticmethod',
        '    def run_batch(self, size: int) -> int:',
        '        """Pull up to `size` jobs and push their rows.',
        '            except TimeoutError:',
        '                    raise RuntimeError(f"job {job.id} gave up")',
        '        return done',
        'def main() -> None:',
      ]),
    );
    expect(kept).not.toContain('                self.warehouse.insert(rows)');
  });

  it('keeps Go error checks and their returns inside an elided body', () => {
    const kept = keptLines(GO, plan(GO, contextIn('store/store.go')));
    expect(kept).toEqual(
      expect.arrayContaining([
        'package store',
        '\t"context"',
        'func (s *Store) Load(ctx context.Context, id string) (*Account, error) {',
        '\tif err := row.Scan(&a.ID, &a.Name, &a.Plan); err != nil {',
        '\t\treturn nil, fmt.Errorf("load %s: %w", id, err)',
        '\tif err != nil {',
        '\t\treturn nil, err',
        '\treturn &a, nil',
        'func (s *Store) limits(ctx context.Context, plan string) (Limits, error) {',
      ]),
    );
    expect(kept).not.toContain('\ta.Name = normalise(a.Name)');
  });

  it('keeps a line the question names inside a long body, with the signature around it', () => {
    const ctx = contextIn('jobs/runner.py', 'where is warehouse.insert called?');
    const kept = keptLines(PYTHON, plan(PYTHON, ctx));
    expect(kept).toContain('                self.warehouse.insert(rows)');
    expect(kept).toContain('    def run_batch(self, size: int) -> int:');
  });

  it('leaves a short file alone', () => {
    expect(codeCompressor.lines(GO.slice(0, 30), contextIn('store/store.go'))).toBeUndefined();
  });

  it('plans the same way every time', () => {
    const lines = workspaceModule();
    const ctx = contextIn('src/workspace.ts', 'resolveWorkspaceRoot');
    const a = plan(lines, ctx);
    const b = plan(lines, ctx);
    expect(a.keep).toEqual(b.keep);
    expect(rendered(lines, a)).toEqual(rendered(lines, b));
  });

  it('recognises source code by its extension or its content, and not prose or a listing', () => {
    const source = workspaceModule().join('\n');
    expect(codeCompressor.detect('anything', { filePath: 'lib/a.rs' })).toBe(true);
    expect(codeCompressor.detect(source, { filePath: 'README.md' })).toBe(false);
    expect(codeCompressor.detect(source, {})).toBe(true);
    expect(codeCompressor.detect(PYTHON.join('\n'), {})).toBe(true);
    const prose = Array.from(
      { length: 20 },
      (_, i) => `This paragraph explains step ${i} of the setup in plain words.`,
    );
    expect(codeCompressor.detect(prose.join('\n'), {})).toBe(false);
  });
});
