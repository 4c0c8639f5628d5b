import { type Envelope, unprefixed } from './envelope.js';
import { parseGeminiShell } from './gemini-shell.js';

/**
 * Qwen Code (0.15) cuts a tool result over 25,000 characters or 1,000 lines itself and puts this above
 * what it kept (its first line, four more naming the saved file and the cut, then the kept part):
 * `Tool output was too large and has been truncated.\nThe full output has been saved to: <file>\n…\n\n
 * Truncated part of the output:\n`. Everything up to that last line is kept verbatim.
 */
const CUT_FIRST_LINE = 'Tool output was too large and has been truncated.\n';
const CUT_LAST_LINE = '\nTruncated part of the output:\n';
/** The note is five short lines and one file path. */
const MAX_NOTE_CHARS = 2000;

/**
 * Recognises Qwen Code's cut note and returns what it kept beneath it. Qwen Code's shell result itself
 * (`Command: …\nDirectory: …\nOutput: …\nError: …\nExit Code: N\nSignal: …\nProcess Group PGID: …`) is
 * the envelope of the Gemini CLI it was forked from, read by parseGeminiShell; under the note it is read
 * the same way, with the note added to its head.
 */
export function parseQwenCut(text: string): Envelope | undefined {
  if (!text.startsWith(CUT_FIRST_LINE)) return undefined;
  const end = text.indexOf(CUT_LAST_LINE);
  if (end === -1 || end > MAX_NOTE_CHARS) return undefined;
  const note = text.slice(0, end + CUT_LAST_LINE.length);
  const rest = text.slice(note.length);
  const shell = parseGeminiShell(rest);
  if (shell) return { ...shell, wrapper: 'qwen-shell', head: note + shell.head };
  return { wrapper: 'qwen-cut', head: note, tail: '', ...unprefixed(rest), exactLines: false };
}
