/**
 * Where each value of a JSON text sits, so a rewrite can show kept values as the original bytes
 * (`1e-06` stays `1e-06`, spacing and escapes stay as they were) instead of re-serialising them.
 */
export interface Span {
  /** Offsets of the value in the text: `text.slice(start, end)` is its source. */
  readonly start: number;
  readonly end: number;
  /** Objects and arrays above the depth limit: one span per member, in order. */
  readonly children?: readonly Span[];
  /** Objects: the span of each member's key (with its quotes). */
  readonly keys?: readonly Span[];
}

const SPACE = /[ \t\n\r]/;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** What ends a number, `true`, `false` or `null`: space, a comma or a closing bracket. */
const endsScalar = (c: number): boolean => isSpace(c) || c === 0x2c || c === 0x5d || c === 0x7d;

/**
 * Scans a text that `JSON.parse` accepted. Members deeper than `maxDepth` get a span but no children,
 * found by a flat scan (no recursion), so a pathological document cannot exhaust the stack.
 */
export function scanSpans(text: string, maxDepth: number): Span {
  let i = 0;
  const space = (): void => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i += 1;
  };
  const string = (): void => {
    // Jump from quote to quote; a quote after an odd run of backslashes is escaped.
    for (let q = text.indexOf('"', i + 1); ; q = text.indexOf('"', q + 1)) {
      if (q === -1) {
        i = text.length;
        return;
      }
      let slashes = 0;
      while (text.charCodeAt(q - 1 - slashes) === 0x5c) slashes += 1;
      if (slashes % 2 === 0) {
        i = q + 1;
        return;
      }
    }
  };
  const skip = (): void => {
    const c = text[i];
    if (c === '"') {
      string();
      return;
    }
    if (c !== '{' && c !== '[') {
      while (i < text.length && !endsScalar(text.charCodeAt(i))) i += 1;
      return;
    }
    let depth = 0;
    while (i < text.length) {
      const d = text[i]!;
      if (d === '"') {
        string();
        continue;
      }
      i += 1;
      if (d === '{' || d === '[') depth += 1;
      else if ((d === '}' || d === ']') && --depth === 0) return;
    }
  };
  const value = (depth: number): Span => {
    space();
    const start = i;
    const open = text[i];
    if ((open !== '{' && open !== '[') || depth >= maxDepth) {
      skip();
      return { start, end: i };
    }
    const close = open === '{' ? '}' : ']';
    const children: Span[] = [];
    const keys: Span[] = [];
    i += 1;
    space();
    if (text[i] === close) {
      i += 1;
    } else {
      for (;;) {
        space();
        if (open === '{') {
          const keyStart = i;
          string();
          keys.push({ start: keyStart, end: i });
          space();
          i += 1; // the colon
        }
        children.push(value(depth + 1));
        space();
        const sep = text[i];
        i += 1;
        if (sep !== ',') break;
      }
    }
    return open === '{' ? { start, end: i, children, keys } : { start, end: i, children };
  };
  return value(0);
}

/** True when a value's source is its canonical JSON (`JSON.stringify` of it) apart from spacing. */
export function isCanonical(source: string, canonical: string): boolean {
  if (source === canonical) return true;
  let out = '';
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += source[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!SPACE.test(c)) out += c;
    if (out.length > canonical.length) return false;
  }
  return out === canonical;
}
