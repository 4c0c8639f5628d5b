import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressMessages, replayKnownBlocks } from '../../src/compress/compress.js';
import { type BlockMemo, createBlockMemo } from '../../src/compress/memo.js';
import type { CompressOptions } from '../../src/compress/options.js';
import { type ConversationTurns, type CoreCarry, restoreDecisions } from '../../src/compress/turns.js';
import { oneOfEachKind, outputCases } from '../helpers/replayed-sessions.js';

type Json = Record<string, unknown>;

const { dir, cases } = outputCases('corpus');
const outputs = oneOfEachKind(dir, cases)
  .slice(0, 6)
  .map((c) => ({ ...c, text: readFileSync(path.join(dir, c.file), 'utf8') }));

/** Keeps the core's carry between calls, as the proxy's prefix reuse does per conversation. */
function conversation(): ConversationTurns & { carry: CoreCarry | undefined } {
  const kept = {
    carry: undefined as CoreCarry | undefined,
    get previous() {
      return kept.carry;
    },
    keep(carry: CoreCarry) {
      kept.carry = carry;
    },
  };
  return kept;
}

/** A memo that counts its decision lookups: a message taken from the last turn looks nothing up. */
function countingMemo(): BlockMemo & { gets: number } {
  const memo = createBlockMemo();
  const counted = { ...memo, gets: 0 };
  counted.get = (key) => {
    counted.gets += 1;
    return memo.get(key);
  };
  return counted;
}

type Output = (typeof outputs)[number];

/**
 * A session growing by a tool call and its output per turn, in one request shape: `exchange` gives the
 * call and the output's messages. Earlier messages keep their objects, as prefix reuse hands them over.
 */
function growing(first: Json, exchange: (o: Output, i: number) => Json[]): Json[][] {
  const turns: Json[][] = [];
  let messages: Json[] = [first];
  for (const [i, o] of outputs.entries()) {
    messages = [...messages, ...exchange(o, i)];
    turns.push(messages);
  }
  return turns;
}

const anthropicTurns = (): Json[][] =>
  growing({ role: 'user', content: outputs[0]!.question }, (o, i) => [
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: o.command } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: o.text }] },
  ]);

const openaiTurns = (): Json[][] =>
  growing({ role: 'user', content: outputs[0]!.question }, (o, i) => [
    {
      role: 'assistant',
      tool_calls: [
        {
          id: `call_${i}`,
          type: 'function',
          function: { name: 'shell', arguments: JSON.stringify({ command: o.command }) },
        },
      ],
    },
    { role: 'tool', tool_call_id: `call_${i}`, content: o.text },
  ]);

const responsesTurns = (): Json[][] =>
  growing(
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: outputs[0]!.question }] },
    (o, i) => [
      {
        type: 'function_call',
        call_id: `call_${i}`,
        name: 'shell',
        arguments: JSON.stringify({ command: ['bash', '-lc', o.command] }),
      },
      { type: 'function_call_output', call_id: `call_${i}`, output: o.text },
    ],
  );

const OPTIONS: CompressOptions = { model: 'claude-sonnet-4-6' };

/** The whole result of a call without any carry, on a fresh copy of the messages. */
async function fullResult(messages: Json[], options: CompressOptions = OPTIONS) {
  return compressMessages(structuredClone(messages), options, createBlockMemo());
}

async function expectSame(
  messages: Json[],
  got: Awaited<ReturnType<typeof compressMessages>>,
  options = OPTIONS,
) {
  const full = await fullResult(messages, options);
  expect(got.messages).toEqual(full.messages);
  expect([got.tokensBefore, got.tokensAfter, got.tokensSaved]).toEqual([
    full.tokensBefore,
    full.tokensAfter,
    full.tokensSaved,
  ]);
  expect(got.transformsApplied).toEqual(full.transformsApplied);
  expect(got.blocks).toEqual(full.blocks);
  expect([...got.originals]).toEqual([...full.originals]);
}

describe('the core takes messages it decided last turn as they were', () => {
  it.each([
    ['Anthropic', anthropicTurns],
    ['OpenAI chat', openaiTurns],
    ['Responses', responsesTurns],
  ])('%s: every turn equals a call without the carry, and only new blocks are looked up', async (_, make) => {
    const turns = make();
    const kept = conversation();
    const memo = countingMemo();
    let compressed = 0;
    for (const messages of turns) {
      memo.gets = 0;
      const got = await compressMessages(messages, OPTIONS, memo, undefined, kept);
      await expectSame(messages, got);
      // One new output per turn: one lookup, whatever the length of the conversation.
      expect(memo.gets).toBe(1);
      if (got.transformsApplied.length > 0) compressed += 1;
    }
    expect(compressed).toBeGreaterThan(turns.length / 2);
  });

  it('decides again from an edited message on, and when the model or options change', async () => {
    const turns = anthropicTurns();
    const kept = conversation();
    const memo = countingMemo();
    for (const messages of turns.slice(0, -1))
      await compressMessages(messages, OPTIONS, memo, undefined, kept);
    const last = turns.at(-1)!;
    // A compaction rewrote the third message: it and everything after it are decided again.
    const edited = [...last];
    edited[2] = structuredClone(edited[2]!);
    memo.gets = 0;
    await expectSame(edited, await compressMessages(edited, OPTIONS, memo, undefined, kept));
    expect(memo.gets).toBe(outputs.length);
    // Another model counts differently: nothing is carried over.
    const gpt = { model: 'gpt-4o' };
    memo.gets = 0;
    await expectSame(edited, await compressMessages(edited, gpt, memo, undefined, kept), gpt);
    expect(memo.gets).toBe(outputs.length);
    // With recent messages protected, decisions change as the conversation grows: nothing is kept.
    const fresh = conversation();
    const protect = { ...OPTIONS, protectRecent: 2 };
    await expectSame(last, await compressMessages(last, protect, memo, undefined, fresh), protect);
    expect(fresh.carry).toBeUndefined();
  });

  it('decides a block again when the saved output its preview stands for changed (Claude budget mode)', async () => {
    const whole = outputs.map((o) => o.text).join('\n');
    const preview = `<persisted-output>\nOutput too large (${(whole.length / 1024).toFixed(1)}KB). Full output saved to: /tmp/x/tool-results/a.txt\n\nPreview (first 2KB):\n${whole.slice(0, 2000)}\n...\n</persisted-output>`;
    const messages: Json[] = [
      { role: 'user', content: outputs[0]!.question },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_p', name: 'Bash', input: { command: 'x' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_p', content: preview }] },
    ];
    const budget = { readTokens: 8_000, bashChars: 30_000 };
    const options = (output: string): CompressOptions => ({
      ...OPTIONS,
      claudeBudget: budget,
      persistedOutputs: new Map([[preview, output]]),
    });
    const kept = conversation();
    const memo = countingMemo();
    const first = options(whole);
    await expectSame(messages, await compressMessages(messages, first, memo, undefined, kept), first);
    const same = options(whole);
    memo.gets = 0;
    await expectSame(messages, await compressMessages(messages, same, memo, undefined, kept), same);
    expect(memo.gets).toBe(0);
    const changed = options(`${whole}\none more line`);
    memo.gets = 0;
    await expectSame(messages, await compressMessages(messages, changed, memo, undefined, kept), changed);
    expect(memo.gets).toBe(1);
  });

  it('puts every carried decision back into a memo that lost them, so a replay sends what was sent', async () => {
    const turns = anthropicTurns();
    const kept = conversation();
    let got: Awaited<ReturnType<typeof compressMessages>> | undefined;
    for (const messages of turns)
      got = await compressMessages(messages, OPTIONS, createBlockMemo(), undefined, kept);
    const last = turns.at(-1)!;
    // The first blocks were decided turns ago and not looked up since: a busy memo may have dropped them.
    const emptied = createBlockMemo();
    expect(replayKnownBlocks(last, OPTIONS, emptied).known).toBe(0);
    restoreDecisions(kept.carry, emptied);
    const replayed = replayKnownBlocks(last, OPTIONS, emptied);
    expect([replayed.known, replayed.unknown]).toEqual([outputs.length, 0]);
    expect(replayed.messages).toEqual(got!.messages);
  });
});
