import { type Envelope, unprefixed } from './envelope.js';

/** Header lines Codex writes above a command's output in a `function_call_output`. */
const HEADER_LINE =
  /^(?:Chunk ID|Wall time|Process exited with code|Process running with session ID|Original token count|Total output lines|Warning: truncated output)\b.*$/;

/** Recognises Codex's exec header and returns the output beneath it; the header stays verbatim. */
export function parseCodexExec(text: string): Envelope | undefined {
  if (!HEADER_LINE.test(text.slice(0, 200).split('\n', 1)[0] ?? '')) return undefined;
  const marker = text.indexOf('\nOutput:');
  if (marker === -1 || marker > 2000) return undefined;
  const headerLines = text.slice(0, marker).split('\n');
  if (!headerLines.every((l) => HEADER_LINE.test(l.replace(/\r$/, '')))) return undefined;
  let bodyStart = marker + '\nOutput:'.length;
  if (text.startsWith('\r\n', bodyStart)) bodyStart += 2;
  else if (text[bodyStart] === '\n') bodyStart += 1;
  const head = text.slice(0, bodyStart);
  return { wrapper: 'codex-exec', head, tail: '', ...unprefixed(text.slice(bodyStart)), exactLines: true };
}
