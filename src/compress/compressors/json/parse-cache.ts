/** The outcome of parsing a block as JSON; `ok` is false when it is not JSON. */
export interface ParsedJson {
  readonly ok: boolean;
  readonly value: unknown;
}

const NOT_JSON: ParsedJson = { ok: false, value: undefined };

// detect() and rewrite() see the same string one after the other; remembering the last parse
// keeps a multi-megabyte block from being parsed twice.
let lastText: string | undefined;
let lastResult: ParsedJson = NOT_JSON;

/** True when the first and last non-space characters could bound a JSON object or array. */
export function looksBracketed(text: string): boolean {
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start += 1;
  let end = text.length - 1;
  while (end > start && isSpace(text.charCodeAt(end))) end -= 1;
  if (end <= start) return false;
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end);
  return (first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d);
}

/** Parses a block whose top level must be an object or array; the last answer is cached. */
export function parseJsonBlock(text: string): ParsedJson {
  if (text === lastText) return lastResult;
  let result = NOT_JSON;
  if (looksBracketed(text)) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) result = { ok: true, value };
    } catch {
      result = NOT_JSON;
    }
  }
  lastText = text;
  lastResult = result;
  return result;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
