import { describe, expect, it } from 'vitest';
import { searchCompressor } from '../../../src/compress/compressors/search/index.js';
import { contextFor, grepOutput, keptLines, rendered } from './line-fixtures.js';

function plan(lines: readonly string[], question = '') {
  const p = searchCompressor.lines(lines, contextFor(question));
  if (!p) throw new Error('expected the search compressor to compress');
  return p;
}

const NEEDLE = 'lib/legacy/session-store.ts:212:export function rotateUserSession(user) {';

/** `rg --heading -n` output: a path line, its `line:content` matches, a blank line between files. */
function rgHeading(files: number): string[] {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    out.push(`packages/core/src/feature-${f}/index.ts`);
    for (let m = 0; m < 8; m++) out.push(`${10 + m * 9}:  const cache = createCache({ ttl: ${m * 60} });`);
    out.push('');
  }
  return out;
}

/** `grep -rn -C1` output: matches with a context line on each side and `--` between groups. */
function grepWithContext(): string[] {
  const out: string[] = [];
  for (let f = 0; f < 20; f++) {
    const path = `src/my-app-2-widgets/panel-${f}.tsx`;
    for (let m = 0; m < 6; m++) {
      const line = 20 + m * 30;
      out.push(`${path}-${line - 1}-  // render the panel`);
      out.push(`${path}:${line}:  return <Panel title={title} onClose={close} />;`);
      out.push(`${path}-${line + 1}-}`);
      out.push('--');
    }
  }
  return out;
}

describe('searchCompressor.lines', () => {
  it('keeps the match for the function the user asked about even when its file ranks low', () => {
    const lines = grepOutput(60, NEEDLE);
    const p = plan(lines, 'where is rotateUserSession defined?');
    expect(keptLines(lines, p)).toContain(NEEDLE);
  });

  it('keeps the asked-for match even when sixty other matches outrank it', () => {
    const lines = grepOutput(60, NEEDLE);
    for (let i = 0; i < 60; i++) {
      lines.push(
        `src/auth/profile-${i % 20}.ts:${40 + i}:  // loadUserProfile fails: session token expired (${i})`,
      );
    }
    const p = plan(
      lines,
      'why does loadUserProfile fail with an expired session token, and where is rotateUserSession?',
    );
    expect(keptLines(lines, p)).toContain(NEEDLE);
  });

  it('keeps at most the budgeted matches, files and matches per file, apart from lines filled between them', () => {
    const lines = grepOutput(60);
    const p = plan(lines, 'show me the results');
    const kept = keptLines(lines, p);
    const perFile = new Map<string, number>();
    for (const line of kept) {
      const path = line.slice(0, line.indexOf(':'));
      perFile.set(path, (perFile.get(path) ?? 0) + 1);
    }
    expect(perFile.size).toBeLessThanOrEqual(15);
    // A single omitted line between two kept ones is kept rather than replaced by a note.
    expect(kept.length).toBeLessThanOrEqual(40);
    for (const count of perFile.values()) expect(count).toBeLessThanOrEqual(7);
    expect(p.transform).toMatch(/^search:matches \d+→\d+ files 60→\d+$/);
  });

  it('keeps every line that names what the user asked about, past the budgets', () => {
    const lines = grepOutput(60);
    const calls = lines.filter((l) => l.includes('findUser('));
    expect(calls.length).toBeGreaterThan(30);
    const kept = keptLines(lines, plan(lines, 'who calls findUser?'));
    for (const call of calls) expect(kept).toContain(call);
  });

  it('prefers matches that carry the query terms', () => {
    const lines = grepOutput(60);
    const kept = keptLines(lines, plan(lines, 'where do we log loaded user?'));
    expect(kept.filter((l) => l.includes("logger.debug('loaded user'")).length).toBeGreaterThan(
      kept.length / 2,
    );
  });

  it('names the few files it leaves out, with their match counts, in a summary line', () => {
    const lines = grepOutput(20);
    const p = plan(lines);
    expect(p.summary).toHaveLength(1);
    const summary = p.summary![0]!;
    expect(summary).toMatch(/^\[5 files not shown, [\d,]+ matches: /);
    expect(summary).toMatch(/^[^\n]*src\/models\/token-2\.ts \(7\)/);
  });

  it('counts many left-out files by directory in the summary line instead of naming each', () => {
    const lines = grepOutput(60);
    const p = plan(lines);
    const summary = p.summary![0]!;
    expect(summary).toMatch(/^\[45 files not shown, [\d,]+ matches: /);
    expect(summary).toMatch(/src\/services\/ \(5 files, \d+\)/);
    expect(summary).not.toMatch(/-\d+\.ts/);
  });

  it('names the directory, not every path, in the note for a run spanning many files', () => {
    const lines: string[] = [];
    for (let f = 0; f < 40; f++) {
      const path = `node_modules/pkg/dist/esm/feature-${f}/index.js`;
      for (let m = 0; m < 6; m++) lines.push(`${path}:${10 + m}:export function helper${m}() {}`);
    }
    const out = rendered(lines, plan(lines));
    expect(
      out.some((l) => /omitted: \d+ matches in \d+ files under node_modules\/pkg\/dist\/esm\/\]$/.test(l)),
    ).toBe(true);
  });

  it('lets a rare term of the question protect its lines, and not a common one', () => {
    const lines = grepOutput(60);
    lines.splice(100, 0, 'src/http/cors.ts:12:export function corsMiddleware(opts) {');
    const question = 'where is the cors middleware for the user routes?';
    const kept = keptLines(lines, plan(lines, question));
    expect(kept).toContain('src/http/cors.ts:12:export function corsMiddleware(opts) {');
    // `routes` is in the paths of about fifty matches and `user` on every line: they protect nothing.
    expect(kept.length).toBeLessThanOrEqual(40);
  });

  it('says how many more matches a file had in the note for its omitted run', () => {
    const lines = grepOutput(60);
    const out = rendered(lines, plan(lines));
    expect(out.some((l) => /omitted: \d+ more match(?:es)? in \S+\.ts\]$/.test(l))).toBe(true);
    expect(out.some((l) => /omitted: \d+ matches in \d+ files: /.test(l))).toBe(true);
  });

  it('compresses rg --heading output and keeps the heading of every file it shows', () => {
    const lines = rgHeading(30);
    const p = plan(lines);
    const kept = keptLines(lines, p);
    const headings = kept.filter((l) => l.startsWith('packages/'));
    expect(headings.length).toBeGreaterThan(0);
    expect(headings.length).toBeLessThanOrEqual(15);
    for (let i = 0; i < lines.length; i++) {
      if (p.keep[i] && /^\d+:/.test(lines[i]!)) {
        let h = i;
        while (!lines[h]!.startsWith('packages/')) h -= 1;
        expect(p.keep[h]).toBe(true);
      }
    }
    expect(p.transform).toMatch(/^search:matches 240→\d+ files 30→\d+$/);
  });

  it('keeps context lines next to kept matches and reads paths that contain -digit- parts', () => {
    const lines = grepWithContext();
    const p = plan(lines);
    const kept = keptLines(lines, p);
    const i = lines.indexOf(
      'src/my-app-2-widgets/panel-0.tsx:20:  return <Panel title={title} onClose={close} />;',
    );
    expect(p.keep[i]).toBe(true);
    expect(p.keep[i - 1]).toBe(true);
    expect(p.keep[i + 1]).toBe(true);
    expect(rendered(lines, p).some((l) => l.includes('in src/my-app-2-widgets/panel-'))).toBe(true);
    expect(kept.length).toBeLessThan(lines.length / 2);
  });

  it('still compresses when the query term is the searched pattern on every line', () => {
    const lines = grepOutput(60);
    const kept = keptLines(lines, plan(lines, 'where is user used?'));
    expect(kept.length).toBeLessThanOrEqual(40);
  });

  it('declines results that are already within budget', () => {
    const lines = [
      'src/a.ts:3:const user = 1;',
      'src/a.ts:9:return user;',
      'src/b.ts:12:import { user } from "./a.js";',
    ];
    expect(searchCompressor.lines(lines, contextFor())).toBeUndefined();
  });
});

describe('searchCompressor.detect', () => {
  it('recognises grep -rn, rg --heading and grep -C output', () => {
    expect(searchCompressor.detect(grepOutput(20).join('\n'), {})).toBe(true);
    expect(searchCompressor.detect(rgHeading(5).join('\n'), {})).toBe(true);
    expect(searchCompressor.detect(grepWithContext().join('\n'), {})).toBe(true);
  });

  it('does not claim compiler diagnostics or timestamped logs', () => {
    const tsc = Array.from(
      { length: 20 },
      (_, i) => `src/a${i}.ts:${i + 1}:5 - error TS2304: Cannot find name 'x'.`,
    );
    expect(searchCompressor.detect(tsc.join('\n'), {})).toBe(false);
    const log = Array.from(
      { length: 20 },
      (_, i) => `2025-03-14 09:00:${String(i).padStart(2, '0')} INFO started worker ${i}`,
    );
    expect(searchCompressor.detect(log.join('\n'), {})).toBe(false);
  });
});
