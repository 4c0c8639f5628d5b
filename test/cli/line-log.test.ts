import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLineLog, requestLine } from '../../src/cli/line-log.js';
import { entry } from '../helpers/ledger-entries.js';

describe('requestLine', () => {
  it('shows the size and the saving of a compressed call', () => {
    const line = requestLine(
      entry({
        tokensBefore: 12_000,
        tokensAfter: 3_000,
        tokensSaved: 9_000,
        transforms: ['log:lines 900→40'],
      }),
    );
    expect(line).toMatch(/ 12,000→3,000 tokens \(saved 75\.0%\) log:lines 900→40$/);
  });

  it('shows a passthrough by its size and reason, never as -0.0%', () => {
    const line = requestLine(
      entry({
        tokensBefore: 800,
        tokensAfter: 800,
        tokensSaved: 0,
        passthroughReason: 'nothing-to-compress',
      }),
    );
    expect(line).toMatch(/ 800 tokens nothing-to-compress$/);
    expect(line).not.toContain('%');
  });

  it('does not round a tiny saving down to nothing', () => {
    const line = requestLine(entry({ tokensBefore: 100_000, tokensAfter: 99_990, tokensSaved: 10 }));
    expect(line).toContain('(saved <0.1%)');
  });

  it('says a call that added tokens added them, and never rounds to 100.0%', () => {
    const added = requestLine(entry({ tokensBefore: 1_000, tokensAfter: 1_300, tokensSaved: -300 }));
    expect(added).toMatch(/ 1,000→1,300 tokens \(added 30\.0%\) /);
    const almostAll = requestLine(entry({ tokensBefore: 100_000, tokensAfter: 20, tokensSaved: 99_980 }));
    expect(almostAll).toContain('(saved >99.9%)');
  });
});

describe('fileLineLog', () => {
  it('creates its file on the first line and appends the next ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-line-log-'));
    try {
      const log = fileLineLog(path.join(dir, 'logs', 'a.log'));
      expect(log.used).toBe(false);
      log.write('one');
      log.write('two');
      expect(log.used).toBe(true);
      expect(await readFile(path.join(dir, 'logs', 'a.log'), 'utf8')).toBe('one\ntwo\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never throws when the file cannot be written (the proxy logs from its socket handlers)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-line-log-'));
    try {
      await writeFile(path.join(dir, 'a-file'), '');
      const log = fileLineLog(path.join(dir, 'a-file', 'logs', 'a.log'));
      expect(() => log.write('lost')).not.toThrow();
      expect(log.used).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
