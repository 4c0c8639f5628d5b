import { describe, expect, it } from 'vitest';
import { requestLine } from '../../src/cli/line-log.js';
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
    expect(line).toMatch(/ 12,000→3,000 tokens \(-75\.0%\) log:lines 900→40$/);
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
    expect(line).toContain('(-<0.1%)');
  });
});
