import { type Envelope, unprefixed } from './envelope.js';

/**
 * Lines Gemini CLI writes above a shell command's output (`run_shell_command`): its untrusted-content
 * tag, the note of its own cut (`Output too large. Showing first 8,000 and last 32,000 characters. For
 * full output see: <file>`), and older versions' command and directory lines.
 */
const HEAD_LINE =
  /^(?:<untrusted_context>|Output too large\. Showing first .*|For full output see: .*|Command: .*|Directory: .*)$/;
/** Lines it writes below the output, in this order when present. */
const TAIL_LINE =
  /^(?:Error: .*|Exit Code: .*|Signal: .*|Background PIDs: .*|Process Group PGID: .*|<\/untrusted_context>)$/;
/** Every shell result ends with one of these: what tells the envelope from text that says `Output: `. */
const RESULT_LINE = /^(?:Exit Code|Process Group PGID): /;
/** How far into the text `Output: ` may start (the head is a few short lines and one file path). */
const MAX_HEAD_CHARS = 2000;

/** Where the tail of envelope lines begins (at the newline before its first line), or -1 for none. */
function tailStart(text: string, from: number): number {
  let cut = text.length;
  let result = false;
  if (text.endsWith('\n')) cut -= 1;
  while (cut > from) {
    const nl = text.lastIndexOf('\n', cut - 1);
    if (nl < from) break;
    const line = text.slice(nl + 1, cut).replace(/\r$/, '');
    if (!TAIL_LINE.test(line)) break;
    if (RESULT_LINE.test(line)) result = true;
    cut = nl;
  }
  if (!result) return -1;
  return text[cut - 1] === '\r' ? cut - 1 : cut;
}

/**
 * Recognises Gemini CLI's shell result (`<untrusted_context>\nOutput: …\nExit Code: N\nProcess Group
 * PGID: P\n</untrusted_context>`) and returns the output inside it; the lines around it stay verbatim.
 */
export function parseGeminiShell(text: string): Envelope | undefined {
  let bodyStart = 'Output: '.length;
  if (!text.startsWith('Output: ')) {
    const marker = text.indexOf('\nOutput: ');
    if (marker === -1 || marker > MAX_HEAD_CHARS) return undefined;
    const headLines = text.slice(0, marker).split('\n');
    if (!headLines.every((l) => HEAD_LINE.test(l.replace(/\r$/, '')))) return undefined;
    bodyStart += marker + 1;
  }
  const end = tailStart(text, bodyStart);
  if (end === -1) return undefined;
  return {
    wrapper: 'gemini-shell',
    head: text.slice(0, bodyStart),
    tail: text.slice(end),
    ...unprefixed(text.slice(bodyStart, end)),
    exactLines: true,
  };
}
