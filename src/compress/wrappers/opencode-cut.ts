import { type Envelope, unprefixed } from './envelope.js';

/**
 * opencode (1.18) sends a short `bash` result as the raw output. Over 2,000 lines or 51,200 bytes it
 * saves the whole output and sends only its tail, under a note:
 * `...output truncated...\n\nFull output saved to: <file>\n\n<tail>`.
 */
const NOTE = /^\.\.\.output truncated\.\.\.\r?\n\r?\nFull output saved to: [^\n]*\n\r?\n/;

/** Recognises opencode's cut note; the note stays verbatim and the tail beneath is judged as raw output. */
export function parseOpencodeCut(text: string): Envelope | undefined {
  const note = NOTE.exec(text.slice(0, 2000));
  if (note === null) return undefined;
  return {
    wrapper: 'opencode-cut',
    head: note[0],
    tail: '',
    ...unprefixed(text.slice(note[0].length)),
    exactLines: false,
  };
}
