import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import type { CompressFn } from '../../src/proxy/compress-body.js';
import { createFileStore, type FileStore } from '../../src/store/file-store.js';
import { bigTestLog, type Harness, type HarnessOptions, startHarness } from '../helpers/proxy-harness.js';

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  harnesses.push(h);
  return h;
}

type Message = { role: string; content: unknown };

/** The body of turn `turn` (1-based) of a session: each turn adds a tool call and a big result. */
function turnBody(turn: number): string {
  const messages: Message[] = [{ role: 'user', content: 'Why does the nightly job fail?' }];
  for (let t = 1; t <= turn; t += 1) {
    const id = `toolu_${t}`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${t}` } }],
    });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: bigTestLog(1500 + t * 50, t) }],
    });
  }
  return JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages });
}

async function send(h: Harness, body: string): Promise<void> {
  const res = await fetch(`${h.proxy.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    body,
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/** The tool_result strings of one upstream body, by turn (index 0 is turn 1). */
function results(body: string): string[] {
  const parsed = JSON.parse(body) as { messages: Message[] };
  return parsed.messages
    .filter((m) => Array.isArray(m.content) && (m.content as { type: string }[])[0]!.type === 'tool_result')
    .map((m) => (m.content as { content: string }[])[0]!.content);
}

const FAULT_TURN = 4;
const LAST_TURN = FAULT_TURN + 5;

/**
 * Runs turns 1..LAST_TURN, with a fault at FAULT_TURN, and checks the promise: the blocks of turns
 * before the fault keep their bytes at the fault's turn and the five after it; the faulty turn's block goes
 * raw once, and from the next turn on goes out as a healthy proxy would send it.
 */
async function checkFaultKeepsEarlierBlocks(h: Harness): Promise<void> {
  for (let turn = 1; turn <= LAST_TURN; turn += 1) await send(h, turnBody(turn));
  const bodies = h.anthropic.messageRequests().map((r) => r.body.toString('utf8'));
  const before = results(bodies[FAULT_TURN - 2]!);
  for (let turn = FAULT_TURN; turn <= LAST_TURN; turn += 1) {
    expect(results(bodies[turn - 1]!).slice(0, FAULT_TURN - 1)).toEqual(before);
  }
  const faulty = results(bodies[FAULT_TURN - 1]!)[FAULT_TURN - 1]!;
  expect(faulty).toBe(bigTestLog(1500 + FAULT_TURN * 50, FAULT_TURN));
  const healed = results(bodies[FAULT_TURN]!)[FAULT_TURN - 1]!;
  expect(healed.length).toBeLessThan(faulty.length / 4);
  for (let turn = FAULT_TURN + 1; turn <= LAST_TURN; turn += 1) {
    expect(results(bodies[turn - 1]!)[FAULT_TURN - 1]).toBe(healed);
  }
  // Every earlier block really is compressed, so keeping it matters (a whole-request passthrough would not).
  expect(before.every((text, i) => text.length < bigTestLog(1500 + (i + 1) * 50, i + 1).length / 4)).toBe(
    true,
  );
  const entries = await h.waitForEntries(LAST_TURN);
  return void entries;
}

describe('failing open per block', () => {
  it('a compression timeout at turn N sends only that turn’s new block raw; turns 1…N−1 keep their bytes', async () => {
    let calls = 0;
    // Turn N's compression never finishes: the deadline passes with the earlier blocks known.
    const stallAtFault: CompressFn = (messages, options, memo, signal) => {
      calls += 1;
      if (calls === FAULT_TURN) return new Promise(() => undefined);
      return compressMessages(messages, options, memo, signal);
    };
    const h = await start({ deps: { compress: stallAtFault }, proxy: { compressionTimeoutMs: 400 } });
    await checkFaultKeepsEarlierBlocks(h);
    const entry = h.entries[FAULT_TURN - 1]!;
    expect(entry.passthroughReason).toBeUndefined();
    expect(entry.blocksKeptRaw).toEqual({ timeout: 1 });
    expect(entry.tokensSaved).toBeGreaterThan(0);
  }, 60_000);

  it('a store error at turn N affects that block only', async () => {
    let failing = false;
    const stateDir = await mkdtemp(join(tmpdir(), 'headroom-fail-open-'));
    dirs.push(stateDir);
    const real = createFileStore({ stateDir });
    // A full disk for new originals at turn N; the earlier ones are already on disk and only touched.
    const store: FileStore = {
      ...real,
      async putAll(originals) {
        const known = await Promise.all(
          [...originals.keys()].map(async (hash) => (await real.readBytes(hash)) !== undefined),
        );
        if (failing && known.some((k) => !k))
          throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
        return real.putAll(originals);
      },
    };
    let turn = 0;
    const countTurns: CompressFn = (messages, options, memo, signal) => {
      turn += 1;
      failing = turn === FAULT_TURN;
      return compressMessages(messages, options, memo, signal);
    };
    const h = await start({ deps: { compress: countTurns, store }, proxy: { stateDir } });
    await checkFaultKeepsEarlierBlocks(h);
    const entry = h.entries[FAULT_TURN - 1]!;
    expect(entry.blocksKeptRaw).toEqual({ 'store-error': 1 });
    expect(entry.passthroughReason).toBeUndefined();
  }, 60_000);

  it('gives byte-identical bodies after a restart, from content alone (compression in workers)', async () => {
    const first = await start();
    for (let turn = 1; turn <= 5; turn += 1) await send(first, turnBody(turn));
    // A new proxy with its own empty memo and store: only the content decides the bytes.
    const second = await start({ proxy: { stateDir: first.stateDir } });
    for (const turn of [5, 6]) await send(second, turnBody(turn));
    await send(first, turnBody(6));
    const a = first.anthropic.messageRequests().map((r) => r.body.toString('utf8'));
    const b = second.anthropic.messageRequests().map((r) => r.body.toString('utf8'));
    expect(b[0]).toBe(a[4]);
    expect(b[1]).toBe(a[5]);
    expect(a[5]!.length).toBeLessThan(turnBody(6).length / 4);
  }, 60_000);
});
