import { describe, expect, it } from 'vitest';
import { colors } from '../../src/cli/logger.js';
import { renderSummary } from '../../src/cli/summary.js';
import { summarize } from '../../src/ledger/savings.js';
import { entry } from '../helpers/ledger-entries.js';

const color = colors(0);

function summaryOf(...entries: ReturnType<typeof entry>[]): string {
  return renderSummary({ agent: 'claude', totals: summarize(entries), optimize: true, ledger: '/l', color });
}

describe('the wrap summary', () => {
  it('says what was saved over whole requests', () => {
    expect(summaryOf(entry())).toContain('10,000 → 2,000  saved 8,000 (80.0%)');
  });

  it('says tokens were added, and why, instead of showing a negative saving', () => {
    const text = summaryOf(entry({ tokensBefore: 1_000, tokensAfter: 1_500, tokensSaved: -500 }));
    expect(text).toContain('1,000 → 1,500  added 500 (50.0%): views of outputs the agent had cut');
    expect(text).not.toMatch(/saved -|\(-/);
  });

  it('never rounds a tiny increase to 0.0%, nor 99.98% to 100.0%, and says money added as added', () => {
    const tiny = summaryOf(
      entry({ model: 'gpt-5', tokensBefore: 100_000, tokensAfter: 100_006, tokensSaved: -6 }),
    );
    expect(tiny).toContain('100,000 → 100,006  added 6 (<0.1%)');
    expect(tiny).toMatch(/money saved\s+added <\$0\.01 at API list price/);
    expect(tiny).not.toMatch(/0\.0%|-<\$|-\$/);
    const almostAll = summaryOf(entry({ tokensBefore: 100_000, tokensAfter: 20, tokensSaved: 99_980 }));
    expect(almostAll).toContain('saved 99,980 (>99.9%)');
  });
});
