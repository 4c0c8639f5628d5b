import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  Scanner,
  SpliceError,
} from './json-splice.js';
import { utf8 } from './parse-body.js';

/** A value's bytes in a body: `[start, end)`. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One top-level member of a body: its key and its value's bytes. */
export interface Member extends Span {
  readonly key: string;
}

/** Where a body's parts are, and their parsed values: what a later turn of the conversation can reuse. */
export interface BodyLayout {
  readonly raw: Buffer;
  readonly members: readonly Member[];
  /** Parsed value of each member (for the conversation array: the array of `elements`' values). */
  readonly values: readonly unknown[];
  /** Index in `members` of the conversation array, or -1 when there is none. */
  readonly array: number;
  /** The conversation array's elements' bytes. */
  readonly elements: readonly Span[];
  /** How many leading elements were taken from the previous layout as they were (same bytes, same value). */
  readonly reused: number;
}

/** The top-level members that may hold the conversation (see the providers' `target`). */
const CONVERSATION_KEYS = new Set(['messages', 'input', 'contents']);

class LayoutError extends Error {}

const CLOSERS = new Set([CLOSE_OBJECT, CLOSE_ARRAY, QUOTE]);

function parseSlice(buf: Buffer, start: number, end: number): unknown {
  return JSON.parse(utf8.decode(buf.subarray(start, end)));
}

/**
 * Reads a body piece by piece: each top-level value, and each element of the conversation array, is
 * decoded and parsed on its own, so a later turn can take the pieces it shares with `previous` as they
 * were instead of parsing them again. Bytes shared with `previous` up to `shared` are not read at all:
 * the elements of `previous`'s conversation that end before `shared` (and the members before it) are
 * taken with their parsed values. Every byte outside them is checked as `JSON.parse` checks it, so the
 * values are exactly `JSON.parse`'s. Undefined for anything unusual (not an object, a duplicate or
 * `__proto__` key, invalid JSON or UTF-8): the caller then parses the whole body, which decides.
 */
export function readLayout(buf: Buffer, previous?: BodyLayout, shared = 0): BodyLayout | undefined {
  try {
    return read(buf, previous, shared);
  } catch (error) {
    if (
      error instanceof LayoutError ||
      error instanceof SpliceError ||
      error instanceof SyntaxError ||
      error instanceof TypeError
    )
      return undefined;
    throw error;
  }
}

/** How many of `previous`'s conversation elements lie wholly in the first `shared` bytes. */
function reusableElements(previous: BodyLayout | undefined, shared: number): number {
  if (!previous || previous.array < 0) return 0;
  const { elements, raw } = previous;
  // An object, array or string ends at its closing byte; a number or literal could go on in the next one.
  const within = (e: Span) => e.end < shared || (e.end === shared && CLOSERS.has(raw[e.end - 1]!));
  let lo = 0;
  let hi = elements.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (within(elements[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function read(buf: Buffer, previous: BodyLayout | undefined, shared: number): BodyLayout {
  const sc = new Scanner(buf);
  const members: Member[] = [];
  const values: unknown[] = [];
  const keys = new Set<string>();
  let array = -1;
  let elements: Span[] = [];
  const reused = reusableElements(previous, shared);

  const readArray = (items: unknown[], from: number): void => {
    // `from` is just after the `[` or just after the last reused element.
    sc.pos = from;
    sc.space();
    if (items.length === 0 && buf[sc.pos] === CLOSE_ARRAY) {
      sc.pos += 1;
      return;
    }
    if (items.length > 0) {
      const next = buf[sc.pos];
      sc.pos += 1;
      if (next === CLOSE_ARRAY) return;
      if (next !== COMMA) throw new LayoutError('expected , in the conversation');
    }
    for (;;) {
      sc.space();
      const start = sc.pos;
      sc.skipValue();
      elements.push({ start, end: sc.pos });
      items.push(parseSlice(buf, start, sc.pos));
      sc.space();
      const next = buf[sc.pos];
      sc.pos += 1;
      if (next === CLOSE_ARRAY) return;
      if (next !== COMMA) throw new LayoutError('expected , in the conversation');
    }
  };

  const addMember = (key: string, start: number, end: number, value: unknown): void => {
    if (key === '__proto__' || keys.has(key)) throw new LayoutError('a key JSON.parse treats specially');
    keys.add(key);
    members.push({ key, start, end });
    values.push(value);
  };

  if (previous && reused > 0) {
    // Everything before the first element not reused is the previous body's: take it as it was.
    for (let i = 0; i < previous.array; i += 1)
      addMember(
        previous.members[i]!.key,
        previous.members[i]!.start,
        previous.members[i]!.end,
        previous.values[i],
      );
    const { key, start } = previous.members[previous.array]!;
    const items = (previous.values[previous.array] as unknown[]).slice(0, reused);
    elements = previous.elements.slice(0, reused);
    readArray(items, elements[reused - 1]!.end);
    array = members.length;
    addMember(key, start, sc.pos, items);
  } else {
    sc.space();
    if (buf[sc.pos] !== OPEN_OBJECT) throw new LayoutError('not an object');
    sc.pos += 1;
    sc.space();
    if (buf[sc.pos] === CLOSE_OBJECT) {
      sc.pos += 1;
      return finish(sc, buf, { raw: buf, members, values, array, elements, reused });
    }
  }

  for (let first = reused === 0; ; first = false) {
    if (!first) {
      sc.space();
      const next = buf[sc.pos];
      sc.pos += 1;
      if (next === CLOSE_OBJECT) break;
      if (next !== COMMA) throw new LayoutError('expected , between members');
    }
    sc.space();
    const keyStart = sc.pos;
    if (buf[keyStart] !== QUOTE) throw new LayoutError('expected a key');
    sc.skipValue();
    const key = parseSlice(buf, keyStart, sc.pos) as string;
    sc.expect(COLON);
    sc.space();
    const start = sc.pos;
    if (array < 0 && CONVERSATION_KEYS.has(key) && buf[start] === OPEN_ARRAY) {
      const items: unknown[] = [];
      elements = [];
      readArray(items, start + 1);
      array = members.length;
      addMember(key, start, sc.pos, items);
      continue;
    }
    sc.skipValue();
    addMember(key, start, sc.pos, sameOrParsed(buf, start, sc.pos, key, previous));
  }
  return finish(sc, buf, { raw: buf, members, values, array, elements, reused });
}

/** A member whose bytes did not change since the previous body (tools, a system prompt) keeps its value. */
function sameOrParsed(buf: Buffer, start: number, end: number, key: string, previous?: BodyLayout): unknown {
  const at = previous?.members.findIndex((m) => m.key === key) ?? -1;
  if (previous && at >= 0) {
    const was = previous.members[at]!;
    if (
      was.end - was.start === end - start &&
      previous.raw.compare(buf, start, end, was.start, was.end) === 0
    )
      return previous.values[at];
  }
  return parseSlice(buf, start, end);
}

function finish(sc: Scanner, buf: Buffer, layout: BodyLayout): BodyLayout {
  sc.space();
  if (sc.pos !== buf.length) throw new LayoutError('bytes after the body');
  return layout;
}

/** Length of the longest common prefix of two buffers (compared in blocks, at memcmp speed). */
export function sharedPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let lo = 0;
  // Double the block while blocks match, then bisect the first block that differs.
  let step = 4096;
  while (lo < n) {
    const end = Math.min(n, lo + step);
    if (a.compare(b, lo, end, lo, end) !== 0) {
      let hi = end;
      while (hi - lo > 64) {
        const mid = (lo + hi) >>> 1;
        if (a.compare(b, lo, mid, lo, mid) === 0) lo = mid;
        else hi = mid;
      }
      while (lo < hi && a[lo] === b[lo]) lo += 1;
      return lo;
    }
    lo = end;
    step *= 2;
  }
  return n;
}
