/** Where one element sits in the lines: first and last non-space character, inclusive. */
export interface ElementSpan {
  readonly startLine: number;
  readonly startCol: number;
  readonly endLine: number;
  readonly endCol: number;
  /** Began before the first line or ran past the last one (a partial read of a file). */
  readonly partial: boolean;
  /** Began before the first line: its first characters (an object entry's key) are not in the lines. */
  readonly startsAbove: boolean;
}

/** Where a string literal sits: its line and the columns of its two quotes. */
export interface KeySpan {
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

/**
 * An array or object found in the lines, or the run of comma-separated values a partial read starts
 * inside. An object's elements are its entries, each from its key's opening quote to its value's end.
 */
export interface ScannedContainer {
  /** Position in opening order: a container's id is greater than its ancestors'. */
  readonly id: number;
  /** The enclosing container's id, -1 at the top. */
  readonly parent: number;
  /** Which of the parent's elements holds this container. */
  readonly parentElement: number;
  /** `object` also for a run of values where a `:` appeared at its own level (a read from inside an object). */
  readonly kind: 'array' | 'object';
  /** The key this container is the value of, when there is one; decode with `keyAt`. */
  readonly key: KeySpan | undefined;
  /** How many elements it has; `elementSpans` says where they are. */
  readonly size: number;
  /** SPAN_FIELDS numbers per element; kept flat, as most containers are never looked at again. */
  readonly spans: readonly number[];
}

interface Frame extends ScannedContainer {
  kind: 'array' | 'object';
  size: number;
  readonly spans: number[];
  /** Where the element being read began; -1 between elements. */
  startLine: number;
  startCol: number;
  startsAbove: boolean;
  /** A key and `:` were just read, so a value (maybe a container) comes next. */
  pendingKey: boolean;
}

const SPAN_FIELDS = 5;
const PARTIAL = 1;
const STARTS_ABOVE = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Finds every array and object in JSON-ish lines and where each of their elements starts and ends,
 * without needing the whole to parse: a read that starts or stops mid-file still yields the elements it
 * holds. Brackets that close before they open are taken as containers opened above the first line.
 * Containers come back in opening order, so `result[id]` is the container with that id.
 */
export function scanJsonLines(lines: readonly string[]): ScannedContainer[] {
  const first = scan(lines, []);
  // Only a partial read pays for a second pass, now knowing which containers it starts inside.
  return first.stray.length === 0 ? first.found : scan(lines, first.stray).found;
}

/** A container's elements as spans. */
export function elementSpans(container: ScannedContainer): ElementSpan[] {
  const { spans } = container;
  const out: ElementSpan[] = [];
  for (let at = 0; at < spans.length; at += SPAN_FIELDS) {
    const flags = spans[at + 4] ?? 0;
    out.push({
      startLine: spans[at] ?? 0,
      startCol: spans[at + 1] ?? 0,
      endLine: spans[at + 2] ?? 0,
      endCol: spans[at + 3] ?? 0,
      partial: (flags & PARTIAL) !== 0,
      startsAbove: (flags & STARTS_ABOVE) !== 0,
    });
  }
  return out;
}

interface Scan {
  readonly found: ScannedContainer[];
  /** Closers with no opener in the lines, innermost first. */
  readonly stray: ScannedContainer['kind'][];
}

function scan(lines: readonly string[], enclosing: readonly ScannedContainer['kind'][]): Scan {
  const found: Frame[] = [];
  const stray: ScannedContainer['kind'][] = [];
  const open = (kind: Frame['kind'], parent: Frame | undefined, key: KeySpan | undefined): Frame => {
    const frame: Frame = {
      kind,
      id: found.length,
      parent: parent === undefined ? -1 : parent.id,
      parentElement: parent === undefined ? 0 : parent.size,
      key,
      size: 0,
      spans: [],
      startLine: -1,
      startCol: 0,
      startsAbove: false,
      pendingKey: false,
    };
    found.push(frame);
    return frame;
  };
  // The bottom frame collects top-level values; a read from the middle of an array sees several.
  const stack: Frame[] = [open('array', undefined, undefined)];
  for (const kind of [...enclosing].reverse()) {
    const below = stack[stack.length - 1] as Frame;
    below.startLine = 0;
    below.startsAbove = true;
    stack.push(open(kind, below, undefined));
  }

  let lastLine = 0;
  let lastCol = 0;
  // Where the last string literal sat; it names the container that may follow its `:`.
  let keyLine = -1;
  let keyStart = 0;
  let keyEnd = 0;
  const finish = (frame: Frame, partial: boolean): void => {
    if (frame.startLine === -1) return;
    const flags = (partial || frame.startsAbove ? PARTIAL : 0) | (frame.startsAbove ? STARTS_ABOVE : 0);
    frame.spans.push(frame.startLine, frame.startCol, lastLine, lastCol, flags);
    frame.size += 1;
    frame.startLine = -1;
    frame.startsAbove = false;
  };

  for (let li = 0; li < lines.length; li += 1) {
    const line = lines[li] ?? '';
    for (let ci = 0; ci < line.length; ci += 1) {
      const c = line.charCodeAt(ci);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) continue;
      const top = stack[stack.length - 1] as Frame;
      if (top.startLine === -1 && c !== COMMA && c !== CLOSE_ARRAY && c !== CLOSE_OBJECT) {
        top.startLine = li;
        top.startCol = ci;
      }
      if (c === QUOTE) {
        const end = stringEnd(line, ci);
        keyLine = li;
        keyStart = ci;
        keyEnd = end;
        ci = end;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        const key = top.pendingKey ? { line: keyLine, start: keyStart, end: keyEnd } : undefined;
        top.pendingKey = false;
        stack.push(open(c === OPEN_ARRAY ? 'array' : 'object', top, key));
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        // A closer with no opener must not pop the frame that holds the top level.
        if (stack.length > 1) finish(stack.pop() as Frame, false);
        else stray.push(c === CLOSE_ARRAY ? 'array' : 'object');
      } else if (c === COMMA) {
        finish(top, false);
        top.pendingKey = false;
      } else if (c === COLON) {
        // Only object entries hold a `:`; an "array" that does is a read that began inside an object.
        if (top.kind === 'array') top.kind = 'object';
        top.pendingKey = keyLine >= 0;
      }
      lastLine = li;
      lastCol = Math.min(ci, line.length - 1);
    }
  }
  while (stack.length > 1) finish(stack.pop() as Frame, true);
  finish(stack[0] as Frame, false);
  return { found, stray };
}

/**
 * The index of the quote closing the string that opens at `start`, or the line's end when it does not
 * close there (JSON strings never span lines, so a broken one ends with its line).
 */
export function stringEnd(line: string, start: number): number {
  let quote = line.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (line.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    quote = line.indexOf('"', quote + 1);
  }
  return line.length;
}

/** The text of a key, or undefined when it is not a well-formed string literal. */
export function keyAt(lines: readonly string[], span: KeySpan): string | undefined {
  try {
    const key: unknown = JSON.parse((lines[span.line] ?? '').slice(span.start, span.end + 1));
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
