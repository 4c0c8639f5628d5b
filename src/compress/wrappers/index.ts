import { parseCodexExec } from './codex-exec.js';
import { type Envelope, unprefixed } from './envelope.js';
import { parseGeminiShell } from './gemini-shell.js';
import { parseLineNumbered } from './line-numbered.js';
import { parseOpencodeCut } from './opencode-cut.js';
import { parseQwenCut } from './qwen-cut.js';

export type { Envelope } from './envelope.js';

/** Previews an agent already shortened (Claude Code's saved-to-file Bash output) are left alone. */
export function isAgentPreview(text: string): boolean {
  return text.trimStart().startsWith('<persisted-output>');
}

/**
 * Claude Code puts a `<system-reminder>` above the numbered lines of some `Read` results: the notice of
 * a partial view of a big file (`[Truncated: PARTIAL view — showing lines 1-1865 of 2941 …]`).
 */
const LEADING_REMINDER = /^<system-reminder>[^\n]*<\/system-reminder>\n+/;

/**
 * A shell command's output inside an agent's envelope, which budget mode holds to the characters the
 * agent would have kept (`toolOutputBudget`).
 */
export function isShellOutput(env: Envelope): boolean {
  return (
    env.wrapper === 'codex-exec' ||
    env.wrapper === 'gemini-shell' ||
    env.wrapper === 'qwen-shell' ||
    env.wrapper === 'opencode-cut'
  );
}

/** Sees through the agents' wrappers; plain text comes back as a plain envelope. */
export function openEnvelope(text: string): Envelope {
  const shell = parseCodexExec(text) ?? parseQwenCut(text) ?? parseGeminiShell(text);
  if (shell) {
    // Output of `cat -n`/`nl` is still line-numbered inside a shell envelope.
    const inner = parseLineNumbered(shell.content);
    return inner ? { ...inner, wrapper: shell.wrapper, head: shell.head, tail: shell.tail } : shell;
  }
  const numbered = parseLineNumbered(text);
  if (numbered) return numbered;
  const cut = parseOpencodeCut(text);
  if (cut) return cut;
  const reminder = LEADING_REMINDER.exec(text);
  if (reminder) {
    // The reminder stays verbatim as the head; the lines beneath keep their numbers.
    const below = parseLineNumbered(text.slice(reminder[0].length));
    if (below) return { ...below, head: reminder[0] };
  }
  return { wrapper: 'plain', head: '', tail: '', ...unprefixed(text), exactLines: false };
}
