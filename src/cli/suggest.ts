import { Command } from 'commander';

/**
 * Commander's "did you mean" for a word it does not see itself (wrap's agent is an argument, not a
 * subcommand). Commander does not export its suggester, so the word is put to a throwaway program whose
 * subcommands are the candidates: the suggestion is commander's own, wording and all.
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const probe = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const candidate of new Set(candidates)) probe.command(candidate);
  try {
    probe.parse([word], { from: 'user' });
  } catch (error) {
    // exitOverride: the unknown command is thrown, its message ending in the suggestion if there is one.
    return /\n\(Did you mean [^)]*\)/.exec((error as Error).message)?.[0] ?? '';
  }
  return '';
}
