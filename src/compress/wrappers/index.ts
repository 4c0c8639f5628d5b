import { parseCodexExec } from './codex-exec.js';
import { type Envelope, splitLines } from './envelope.js';
import { parseLineNumbered } from './line-numbered.js';

export type { Envelope } from './envelope.js';

/** Previews an agent already shortened (Claude Code's saved-to-file Bash output) are left alone. */
export function isAgentPreview(text: string): boolean {
  return text.trimStart().startsWith('<persisted-output>');
}

/** Sees through the agents' wrappers; plain text comes back as a plain envelope. */
export function openEnvelope(text: string): Envelope {
  const codex = parseCodexExec(text);
  if (codex) {
    // Codex output of `cat -n`/`nl` is still line-numbered underneath the header.
    const inner = parseLineNumbered(codex.content);
    return inner ? { ...inner, wrapper: 'codex-exec', head: codex.head } : codex;
  }
  const numbered = parseLineNumbered(text);
  if (numbered) return numbered;
  const { lines, eols } = splitLines(text);
  return {
    wrapper: 'plain',
    head: '',
    lines,
    prefixes: lines.map(() => ''),
    eols,
    numbers: lines.map((_, i) => i + 1),
    content: text,
    exactLines: false,
  };
}
