/**
 * Edits a JSON request body without re-serialising it. Re-serialising would change key order, spacing and
 * escapes of bytes the client sent, and any such change moves the provider's prompt-cache prefix. Instead
 * we find the byte spans of the values that compression changed and replace only those.
 */

export type JsonPath = readonly (string | number)[];

/** One value to replace: where it is, and what it becomes. */
export interface JsonChange {
  readonly path: JsonPath;
  readonly value: unknown;
}

type JsonObject = Record<string, unknown>;

const isContainer = (v: unknown): v is JsonObject | unknown[] => typeof v === 'object' && v !== null;

/**
 * The smallest subtrees where `after` differs from `before`: strings that changed, or whole arrays and
 * objects whose length or keys changed. Shared references are skipped without a walk.
 */
export function diffJson(before: unknown, after: unknown, base: JsonPath = []): JsonChange[] {
  const out: JsonChange[] = [];
  const path = [...base];
  const walk = (a: unknown, b: unknown): void => {
    if (a === b) return;
    if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) {
      out.push({ path: [...path], value: b });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        out.push({ path: [...path], value: b });
        return;
      }
      for (let i = 0; i < a.length; i += 1) {
        path.push(i);
        walk(a[i], b[i]);
        path.pop();
      }
      return;
    }
    const ao = a as JsonObject;
    const bo = b as JsonObject;
    const keys = Object.keys(bo);
    if (keys.length !== Object.keys(ao).length || keys.some((k) => !Object.hasOwn(ao, k))) {
      out.push({ path: [...path], value: b });
      return;
    }
    for (const key of keys) {
      path.push(key);
      walk(ao[key], bo[key]);
      path.pop();
    }
  };
  walk(before, after);
  return out;
}

interface PathNode {
  readonly children: Map<string | number, PathNode>;
  replacement?: Buffer;
  span?: readonly [number, number];
}

/** The same bytes as a Buffer, without a copy. */
export const asBuffer = (raw: Uint8Array): Buffer =>
  Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);

/** The body is not the JSON the scanner expected. */
export class SpliceError extends Error {}

/** The bytes of JSON's structure. */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;

/** Escaped quotes found with `indexOf` before a string is walked byte by byte instead. */
const ESCAPED_QUOTES_BEFORE_WALKING = 8;

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Walks only the parts of the body that lead to a change: values off the path are skipped, and strings
 * are skipped with memchr-speed `indexOf`, so a 50 MB body costs little more than its structure.
 * Assumes the body already parsed as JSON.
 */
export class Scanner {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  space(): void {
    while (isSpace(this.buf[this.pos])) this.pos += 1;
  }

  expect(byte: number): void {
    this.space();
    if (this.buf[this.pos] !== byte)
      throw new SpliceError(`expected ${String.fromCharCode(byte)} at ${this.pos}`);
    this.pos += 1;
  }

  private stringEnd(start: number): number {
    const { buf } = this;
    let from = start + 1;
    for (let escaped = 0; escaped < ESCAPED_QUOTES_BEFORE_WALKING; escaped += 1) {
      const quote = buf.indexOf(QUOTE, from);
      if (quote < 0) throw new SpliceError('unterminated string');
      let slashes = 0;
      while (buf[quote - 1 - slashes] === BACKSLASH) slashes += 1;
      if (slashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
    // Quoted text inside the string (a JSON dump or source in a tool result): quotes every few bytes,
    // where a walk costs less than a native call per quote. `from` follows an escaped quote.
    for (let i = from; i < buf.length; i += 1) {
      const b = buf[i];
      if (b === BACKSLASH) i += 1;
      else if (b === QUOTE) return i + 1;
    }
    throw new SpliceError('unterminated string');
  }

  key(): string {
    this.space();
    const start = this.pos;
    if (this.buf[start] !== QUOTE) throw new SpliceError(`expected a key at ${start}`);
    const end = this.stringEnd(start);
    this.pos = end;
    const raw = this.buf.toString('utf8', start, end);
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  skipValue(): void {
    this.space();
    const c = this.buf[this.pos];
    if (c === QUOTE) {
      this.pos = this.stringEnd(this.pos);
      return;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      let depth = 0;
      const { buf } = this;
      while (this.pos < buf.length) {
        const b = buf[this.pos];
        if (b === QUOTE) {
          this.pos = this.stringEnd(this.pos);
          continue;
        }
        if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth += 1;
        else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
          depth -= 1;
          if (depth === 0) {
            this.pos += 1;
            return;
          }
        }
        this.pos += 1;
      }
      throw new SpliceError('unterminated container');
    }
    const start = this.pos;
    while (this.pos < this.buf.length) {
      const b = this.buf[this.pos];
      if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b)) break;
      this.pos += 1;
    }
    if (this.pos === start) throw new SpliceError(`expected a value at ${start}`);
  }

  visit(node: PathNode): void {
    this.space();
    if (node.replacement) {
      const start = this.pos;
      this.skipValue();
      node.span = [start, this.pos];
      return;
    }
    const c = this.buf[this.pos];
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) throw new SpliceError(`expected a container at ${this.pos}`);
    const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
    this.pos += 1;
    this.space();
    if (this.buf[this.pos] === close) {
      this.pos += 1;
      return;
    }
    for (let index = 0; ; index += 1) {
      let child: PathNode | undefined;
      if (c === OPEN_OBJECT) {
        const key = this.key();
        this.expect(COLON);
        child = node.children.get(key);
      } else {
        child = node.children.get(index);
      }
      // A duplicate key visits again; the last one wins, as it does in JSON.parse.
      if (child) this.visit(child);
      else this.skipValue();
      this.space();
      const next = this.buf[this.pos];
      this.pos += 1;
      if (next === close) return;
      if (next !== COMMA) throw new SpliceError(`expected , at ${this.pos - 1}`);
    }
  }
}

function buildTree(changes: readonly JsonChange[]): { root: PathNode; leaves: PathNode[] } {
  const root: PathNode = { children: new Map() };
  const leaves: PathNode[] = [];
  for (const change of changes) {
    let node = root;
    for (const part of change.path) {
      if (node.replacement) throw new SpliceError('nested change');
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    const encoded = JSON.stringify(change.value);
    if (encoded === undefined || node.replacement || node.children.size > 0) {
      throw new SpliceError('change cannot be encoded');
    }
    node.replacement = Buffer.from(encoded, 'utf8');
    leaves.push(node);
  }
  return { root, leaves };
}

/**
 * Returns `raw` with each change's value replaced by its compact JSON encoding and every other byte as it
 * was; undefined when a path is not in the body (the caller then forwards the original).
 *
 * @example
 * spliceJson(Buffer.from('{ "a" : [1, "x"] }'), [{ path: ['a', 1], value: 'y' }]).toString();
 * // '{ "a" : [1, "y"] }'
 */
export function spliceJson(raw: Uint8Array, changes: readonly JsonChange[]): Buffer | undefined {
  const buf = asBuffer(raw);
  try {
    const { root, leaves } = buildTree(changes);
    if (leaves.length === 0) return buf;
    new Scanner(buf).visit(root);
    const spans: { start: number; end: number; bytes: Buffer }[] = [];
    for (const leaf of leaves) {
      if (!leaf.span || !leaf.replacement) return undefined;
      spans.push({ start: leaf.span[0], end: leaf.span[1], bytes: leaf.replacement });
    }
    spans.sort((a, b) => a.start - b.start);
    const parts: Buffer[] = [];
    let at = 0;
    for (const span of spans) {
      if (span.start < at) return undefined;
      parts.push(buf.subarray(at, span.start), span.bytes);
      at = span.end;
    }
    parts.push(buf.subarray(at));
    return Buffer.concat(parts);
  } catch (error) {
    if (error instanceof SpliceError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
