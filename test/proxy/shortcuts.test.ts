import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compressMessages, replayKnownBlocks } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import type { CompressOptions } from '../../src/compress/options.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';

const CORPUS = path.resolve(import.meta.dirname, '../fixtures/corpus');
const all = JSON.parse(readFileSync(path.join(CORPUS, 'cases.json'), 'utf8')) as {
  file: string;
  command: string;
  question: string;
}[];
const size = (file: string) => readFileSync(path.join(CORPUS, file)).length;
/**
 * One output of each kind, the smallest: the full path recompresses every earlier turn, so a session is
 * quadratic in its length, and the kinds (not the sizes) are what exercise different code.
 */
const cases = [
  ...new Map(
    [...all].sort((a, b) => size(b.file) - size(a.file)).map((c) => [(c as { kind?: string }).kind, c]),
  ).values(),
];

type Message = { role: string; content: unknown };

/** The corpus as one agent session: each case a turn, its output a tool result after its question. */
function session(): Message[][] {
  const turns: Message[][] = [];
  const messages: Message[] = [];
  for (const [i, c] of cases.entries()) {
    const id = `toolu_${i}`;
    messages.push(
      { role: 'user', content: [{ type: 'text', text: c.question }] },
      { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: c.command } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: id, content: readFileSync(path.join(CORPUS, c.file), 'utf8') },
        ],
      },
    );
    turns.push(structuredClone(messages));
  }
  return turns;
}

const OPTIONS: CompressOptions = { model: 'claude-sonnet-4-6', retrievalHint: 'full output: /x/{hash}.txt' };

describe('shortcuts change no output byte', () => {
  it('memo hits, cached digests and counts, and replay give the full path’s bytes for every corpus turn', async () => {
    const memo = createBlockMemo();
    for (const messages of session()) {
      const full = await compressMessages(messages, OPTIONS);
      const reused = await compressMessages(messages, OPTIONS, memo);
      expect(JSON.stringify(reused.messages)).toBe(JSON.stringify(full.messages));
      expect([reused.tokensBefore, reused.tokensAfter]).toEqual([full.tokensBefore, full.tokensAfter]);
      // With every block decided, replaying the memo is the whole answer, byte for byte.
      const replayed = replayKnownBlocks(messages, OPTIONS, memo);
      expect(replayed.unknown).toBe(0);
      expect(JSON.stringify(replayed.messages)).toBe(JSON.stringify(full.messages));
      expect(replayed.tokensBefore - replayed.tokensAfter).toBe(full.tokensSaved);
    }
  }, 120_000);
});

let harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});

describe('tokenizer loading', () => {
  it('compresses a request that arrives before the workers are ready exactly as a warm proxy does', async () => {
    const turn = session()[2]!;
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: turn });
    const post = async (h: Harness) => {
      const res = await fetch(`${h.proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body,
      });
      await res.arrayBuffer();
      return h.anthropic.messageRequests().at(-1)!.body.toString('utf8');
    };
    const cold = await startHarness({ proxy: { compressionTimeoutMs: 60_000 } });
    harnesses.push(cold);
    const coldBody = await post(cold);
    const warm = await startHarness({ proxy: { stateDir: cold.stateDir, compressionTimeoutMs: 60_000 } });
    harnesses.push(warm);
    await fetch(`${warm.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: session()[0] }),
    }).then((r) => r.arrayBuffer());
    expect(await post(warm)).toBe(coldBody);
    expect(coldBody.length).toBeLessThan(body.length / 3);
    const [entry] = await cold.waitForEntries(1);
    expect(entry!.passthroughReason).toBeUndefined();
    expect(entry!.blocksKeptRaw).toBeUndefined();
  }, 120_000);
});
