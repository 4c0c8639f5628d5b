import type { BlockMemo, MemoEntry } from './memo.js';
import type { ResolvedOptions } from './options.js';
import type { BlockDecision } from './result.js';

/**
 * What one message contributed to a call's result. Agents resend the whole conversation every turn;
 * a message that comes back as the very same parsed object, after the very same messages, gets the
 * very same result (a block's result depends only on the block and what came before it), so the next
 * call takes it as it was instead of looking up, hashing and counting every block again.
 */
export interface MessageRecord {
  /** The message as it goes out: the same object when nothing in it changed. */
  readonly output: unknown;
  /** Its tokens before compression. */
  readonly tokens: number;
  readonly saved: number;
  readonly blocks: readonly BlockDecision[];
  readonly transforms: readonly string[];
  readonly originals: readonly (readonly [string, string])[];
  /**
   * Claude budget mode: each block's text and the saved output its preview stood for; the record holds
   * only while every preview still stands for the same output.
   */
  readonly previews: readonly (readonly [string, string | undefined])[];
  /** Its blocks' memo keys and decisions (when the call had a memo), for `restoreDecisions`. */
  readonly decisions: readonly (readonly [string, MemoEntry])[];
}

/** A call's records, for the next call over the same conversation. Opaque to shells: they only keep it. */
export interface CoreCarry {
  /** Everything besides the messages that the records depend on. */
  readonly key: string;
  readonly messages: readonly unknown[];
  readonly records: readonly MessageRecord[];
}

/**
 * How a shell that keeps conversations (the proxy) hands the core its previous turn and receives this
 * one's. The shell must never change a parsed message it passed before: identity stands for content.
 */
export interface ConversationTurns {
  readonly previous: CoreCarry | undefined;
  keep(carry: CoreCarry): void;
}

/**
 * What the records depend on besides the messages themselves (undefined when they cannot be carried:
 * with `protectRecent`, a message's decisions change as later messages arrive).
 */
export function carryKey(shape: string, fingerprint: string, resolved: ResolvedOptions): string | undefined {
  if (resolved.protectRecent > 0) return undefined;
  return JSON.stringify([shape, fingerprint, resolved.compressUserMessages, resolved.compressSystemMessages]);
}

/** How many leading messages can be taken from `previous` as they were. */
export function reusablePrefix(
  previous: CoreCarry | undefined,
  key: string | undefined,
  messages: readonly unknown[],
  persistedOutputs: ReadonlyMap<string, string> | undefined,
): number {
  if (previous === undefined || key === undefined || previous.key !== key) return 0;
  const n = Math.min(previous.messages.length, messages.length);
  let i = 0;
  while (i < n && previous.messages[i] === messages[i]) {
    const { previews } = previous.records[i]!;
    if (previews.some(([text, output]) => persistedOutputs?.get(text) !== output)) break;
    i += 1;
  }
  return i;
}

/**
 * Puts the decisions of every message `carry` holds back into `memo`. Messages taken from the last turn
 * are not looked up in the memo, so a long conversation's early blocks can age out of it; a shell that
 * must replay from the memo (a compression or store failure: blocks sent before go out as they did)
 * restores them first.
 */
export function restoreDecisions(carry: CoreCarry | undefined, memo: BlockMemo): void {
  for (const record of carry?.records ?? []) {
    for (const [key, entry] of record.decisions) memo.set(key, entry);
  }
}
