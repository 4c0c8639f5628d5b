import { LRUCache } from 'lru-cache';
import type { ConversationTurns, CoreCarry } from '../compress/turns.js';
import { createBodyBuffers } from './body-buffers.js';
import { type BodyLayout, readLayout, sharedPrefix } from './body-layout.js';
import {
  asBuffer,
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  type JsonChange,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  Scanner,
  spliceJson,
} from './json-splice.js';
import { type ParsedBody, parseBody, parsedFrom, type UnparsedReason } from './parse-body.js';
import type { ProviderName } from './providers/provider.js';

/**
 * Agents resend the whole conversation on every turn with a few messages appended, so most of each body is
 * the previous body's bytes. For each conversation we keep its last request as read and as sent; the next
 * one is compared with it byte for byte, and the messages wholly inside the shared prefix are neither
 * decoded, parsed, nor spliced again: their parsed objects (which the block memo then finds by identity,
 * without hashing) and their output bytes are taken as they were. Only what is new is read. The body
 * that comes out is byte-identical to reading the whole body afresh (tested turn by turn on the corpus).
 */

/** Heap a kept turn may cost in all: a few long conversations per worker. */
const DEFAULT_MAX_BYTES = 48 * 1024 * 1024;
/**
 * How far into a body its conversation array is looked for. Claude Code and Codex send it within the first
 * bytes, but an app's SDK call may put a long system prompt and its tools first (the key order of its
 * object literal); past this, a body is taken to have none (and is not searched through its megabytes).
 */
const AFFINITY_SEARCH_BYTES = 1024 * 1024;
/** The most of a conversation's first bytes that name it. */
const AFFINITY_HASH_BYTES = 2048;
/** The keys of a conversation array: Anthropic and OpenAI chat `messages`, Responses `input`. */
const CONVERSATION_KEYS = [Buffer.from('"messages"'), Buffer.from('"input"')];
const LONGEST_KEY_BYTES = Math.max(...CONVERSATION_KEYS.map((key) => key.length));
/** How much of a body each step of the search for its conversation reads. */
const AFFINITY_WINDOW_BYTES = 64 * 1024;
/** Turns kept per conversation key: a main agent and its side requests can share their first bytes. */
const TURNS_PER_KEY = 3;
/** Parsed values and output bytes cost about twice the body's own bytes on the heap. */
const HEAP_PER_BODY_BYTE = 3;

/** One conversation element's changes as compression made them, and its bytes once they were applied. */
interface ElementOutput {
  readonly changes: readonly JsonChange[];
  readonly bytes: Buffer;
}

/** A request as read and sent: what the next turn of its conversation can reuse. */
interface Turn {
  readonly layout: BodyLayout;
  readonly provider: ProviderName;
  readonly path: string;
  readonly outputs: ReadonlyMap<number, ElementOutput>;
  /** Tokens of the request outside its conversation, and the values they were counted from. */
  readonly rest: RestCount | undefined;
  /** What the core decided per message, so the next turn decides only its new messages. */
  readonly core: CoreCarry | undefined;
}

interface RestCount {
  readonly model: string;
  readonly values: readonly unknown[];
  readonly tokens: number;
}

/** One request being read, with what it reuses from the previous turn. */
export interface Reading {
  readonly parsed: ParsedBody | UnparsedReason;
  /** How many conversation elements were taken from the previous turn as they were. */
  readonly reused: number;
  /** For `compressMessages`: the previous turn's decisions per message, and where this turn's go. */
  readonly turns: ConversationTurns;
  /**
   * Tokens of everything outside the conversation and the model (system prompt, tools), counted by
   * `count` unless the previous turn counted the very same values for the same model.
   */
  restTokens(model: string, count: () => Promise<number>): Promise<number>;
  /** `spliceJson(raw, changes)`, with unchanged elements' bytes taken from the previous turn. */
  splice(changes: readonly JsonChange[]): Buffer | undefined;
  /** Keeps this request as its conversation's latest turn (call after it was sent). */
  remember(): void;
}

export interface PrefixReuse {
  /** Also says which conversation the body belongs to (`conversationAffinity`), found on the way. */
  read(raw: Uint8Array, provider: ProviderName, path: string): Reading & { readonly conversation: number };
}

/**
 * Which conversation a body belongs to: a hash of the first bytes of its conversation, the same on every
 * turn. Also picks the compression worker, so each turn meets the memo and the turns of the last. Hashing
 * the conversation, not the body's first bytes, keeps apart conversations that share a system prompt.
 */
export function conversationAffinity(raw: Uint8Array): number {
  const buf = asBuffer(raw);
  const at = conversationStart(buf.subarray(0, AFFINITY_SEARCH_BYTES));
  if (at < 0) return fnv1a(buf, 0, Math.min(buf.length, AFFINITY_HASH_BYTES));
  // Its first message alone: the bytes after it change from the first turn to the next.
  return fnv1a(buf, at, firstElementEnd(buf, at, Math.min(buf.length, at + AFFINITY_HASH_BYTES)));
}

function fnv1a(buf: Buffer, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i += 1) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** Where the first element of the array after the key at `at` ends, or `limit` if not before it. */
function firstElementEnd(buf: Buffer, at: number, limit: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = at; i < limit; i += 1) {
    const c = buf[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth += 1;
    else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth <= 1) return i + 1;
  }
  return limit;
}

/**
 * Where the first conversation key whose value is an array sits, or -1. The array tells the key apart
 * from a tool schema's property of the same name (an object), and a quote inside a JSON string is
 * escaped, so a string's text cannot end in `"messages"` unless its own closing quote ends it. Searched a
 * window at a time, both keys in each: a body's conversation is near its start, and a key a body lacks
 * (a Responses body has no `messages`) must not send every search to the end of the body.
 */
function conversationStart(buf: Buffer): number {
  for (let from = 0; from < buf.length; from += AFFINITY_WINDOW_BYTES) {
    // Long enough to hold a key that starts in this window.
    const window = buf.subarray(0, from + AFFINITY_WINDOW_BYTES + LONGEST_KEY_BYTES);
    let best = -1;
    for (const key of CONVERSATION_KEYS) {
      for (
        let i = window.indexOf(key, from);
        i >= 0 && (best < 0 || i < best);
        i = window.indexOf(key, i + 1)
      ) {
        if (opensArray(buf, i + key.length)) {
          best = i;
          break;
        }
      }
    }
    if (best >= 0) return best;
  }
  return -1;
}

/** True when the key ending at `at` is followed by a colon and an array (JSON whitespace allowed). */
function opensArray(buf: Buffer, at: number): boolean {
  const scan = new Scanner(buf);
  scan.pos = at;
  scan.space();
  if (buf[scan.pos] !== COLON) return false;
  scan.pos += 1;
  scan.space();
  return buf[scan.pos] === OPEN_ARRAY;
}

/** Reads every body afresh (no earlier turn to reuse). */
export function readAfresh(raw: Uint8Array, provider: ProviderName, path: string): Reading {
  return reading(asBuffer(raw), provider, path, undefined, () => undefined);
}

/**
 * Keeps the latest turns of recent conversations, bounded by the heap they hold. A body in shared memory
 * is the relay's, which gathers another body in it once this one's request is done: a kept turn holds a
 * copy, in memory of its own that goes back to `copies` when the turn is dropped.
 */
export function createPrefixReuse(maxBytes = DEFAULT_MAX_BYTES): PrefixReuse {
  const copies = createBodyBuffers();
  const release = (turn: Turn): void => {
    if (turn.layout.raw.buffer instanceof SharedArrayBuffer) copies.give(turn.layout.raw);
  };
  const turns = new LRUCache<number, Turn[]>({
    maxSize: maxBytes,
    sizeCalculation: (list) =>
      Math.max(
        1,
        list.reduce((sum, t) => sum + t.layout.raw.length * HEAP_PER_BODY_BYTE, 0),
      ),
    // A list replaced by `keep` (reason `set`) is released by `keep`, turn by turn: some of it stays.
    dispose: (list, _key, reason) => {
      if (reason !== 'set') list.forEach(release);
    },
  });
  const own = (layout: BodyLayout): BodyLayout => {
    if (!(layout.raw.buffer instanceof SharedArrayBuffer)) return layout;
    const copy = copies.take(layout.raw.length);
    layout.raw.copy(copy);
    return { ...layout, raw: copy };
  };
  /** Makes `turn` its conversation's latest, instead of `replaced`; releases what is no longer kept. */
  function keep(key: number, turn: Turn, replaced: Turn | undefined): void {
    const before = turns.get(key) ?? [];
    const list = [turn, ...before.filter((t) => t !== replaced)].slice(0, TURNS_PER_KEY);
    turns.set(key, list);
    // A list bigger than the whole cache is not kept at all.
    const kept = turns.peek(key) === list ? list : [];
    for (const t of [...before, turn]) if (!kept.includes(t)) release(t);
  }
  return {
    read(raw, provider, path) {
      const buf = asBuffer(raw);
      const key = conversationAffinity(buf);
      const list = turns.get(key) ?? [];
      let best: Turn | undefined;
      let shared = 0;
      for (const turn of list) {
        if (turn.provider !== provider || turn.path !== path) continue;
        const n = sharedPrefix(turn.layout.raw, buf);
        if (n > shared) [best, shared] = [turn, n];
      }
      const read = reading(buf, provider, path, best && { turn: best, shared }, (turn) =>
        keep(key, { ...turn, layout: own(turn.layout) }, best),
      );
      return { ...read, conversation: key };
    },
  };
}

function reading(
  raw: Buffer,
  provider: ProviderName,
  path: string,
  previous: { turn: Turn; shared: number } | undefined,
  keep: (turn: Turn) => void,
): Reading {
  const layout = readLayout(raw, previous?.turn.layout, previous?.shared);
  const parsed = layout ? parsedFrom(fieldsOf(layout), provider, path) : parseBody(raw, provider, path);
  // Elements read from the previous turn's bytes: their outputs can be taken as they were.
  const reused = layout?.reused ?? 0;
  const outputs = new Map<number, ElementOutput>();
  let rest: RestCount | undefined;
  let core: CoreCarry | undefined;

  return {
    parsed,
    reused,
    turns: {
      previous: previous?.turn.core,
      keep(carry) {
        core = carry;
      },
    },
    async restTokens(model, count) {
      // Cached only when the conversation member is the one left out of the count (the provider's target).
      const target =
        typeof parsed === 'string' || 'reason' in parsed.target ? undefined : parsed.target.field;
      const values =
        layout && layout.array >= 0 && layout.members[layout.array]!.key === target
          ? restValues(layout)
          : undefined;
      const was = previous?.turn.rest;
      if (was && values && was.model === model && sameValues(was.values, values)) {
        rest = was;
        return was.tokens;
      }
      const tokens = await count();
      if (values) rest = { model, values, tokens };
      return tokens;
    },
    splice(changes) {
      if (!layout || layout.array < 0) return spliceJson(raw, changes);
      const field = layout.members[layout.array]!.key;
      const byElement = new Map<number, JsonChange[]>();
      for (const change of changes) {
        const [key, index] = change.path;
        if (key !== field || typeof index !== 'number' || index >= layout.elements.length)
          return spliceJson(raw, changes);
        const local = { path: change.path.slice(2), value: change.value };
        const list = byElement.get(index);
        if (list) list.push(local);
        else byElement.set(index, [local]);
      }
      const parts: Buffer[] = [];
      let at = 0;
      for (const index of [...byElement.keys()].sort((a, b) => a - b)) {
        const local = byElement.get(index)!;
        const { start, end } = layout.elements[index]!;
        const before = index < reused ? previous?.turn.outputs.get(index) : undefined;
        const bytes =
          before && sameChanges(before.changes, local)
            ? before.bytes
            : spliceJson(raw.subarray(start, end), local);
        if (!bytes) return undefined;
        outputs.set(index, { changes: local, bytes });
        parts.push(raw.subarray(at, start), bytes);
        at = end;
      }
      parts.push(raw.subarray(at));
      return Buffer.concat(parts);
    },
    remember() {
      if (layout) keep({ layout, provider, path, outputs, rest, core });
    },
  };
}

function fieldsOf(layout: BodyLayout): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  layout.members.forEach((m, i) => {
    fields[m.key] = layout.values[i];
  });
  return fields;
}

/** The values counted as the rest of the request: every member but the conversation and the model. */
function restValues(layout: BodyLayout): unknown[] {
  const out: unknown[] = [];
  layout.members.forEach((m, i) => {
    if (i !== layout.array && m.key !== 'model') out.push(m.key, layout.values[i]);
  });
  return out;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameChanges(a: readonly JsonChange[], b: readonly JsonChange[]): boolean {
  return (
    a.length === b.length &&
    a.every((change, i) => {
      const other = b[i]!;
      if (change.path.length !== other.path.length || change.path.some((p, j) => p !== other.path[j]))
        return false;
      return typeof change.value === 'string'
        ? change.value === other.value
        : JSON.stringify(change.value) === JSON.stringify(other.value);
    })
  );
}
