import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/cli/suggest.js';

/** What commander itself suggests for an unknown subcommand among these names. */
function commanderSuggests(word: string, names: readonly string[]): string {
  let written = '';
  const program = new Command().exitOverride().configureOutput({ writeErr: (s) => (written += s) });
  for (const name of names) program.command(name).action(() => {});
  try {
    program.parse([word], { from: 'user' });
  } catch {
    // exitOverride: commander throws after writing its message.
  }
  return written.slice(written.indexOf('\n'), written.lastIndexOf('\n')).replace(/^\n$/, '');
}

describe('didYouMean', () => {
  const agents = ['claude', 'codex', 'aider'];
  it('suggests as commander does for its own commands, wording and all', () => {
    for (const word of ['claud', 'cluade', 'codx', 'codec', 'aidr', 'cursor', 'x', 'claude-code', 'code']) {
      expect(didYouMean(word, agents), word).toBe(commanderSuggests(word, agents));
    }
    expect(didYouMean('claud', agents)).toBe('\n(Did you mean claude?)');
    expect(didYouMean('cursor', agents)).toBe('');
  });
});
