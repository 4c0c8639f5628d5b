import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/ledger.js';
import { bigTestLog, type Harness, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Block = Record<string, unknown>;
type Message = { role: string; content: string | Block[] };

/** Outputs of different kinds, as an agent session produces them. */
function toolOutput(turn: number): string {
  if (turn % 2 === 0) return bigTestLog(2000 + turn * 100, turn);
  const items = Array.from({ length: 400 }, (_, i) => ({
    id: `item-${turn}-${i}`,
    status: i === 123 ? 'error' : 'ok',
    latency_ms: (i * 37) % 200,
    region: ['us-east-1', 'eu-west-1', 'ap-south-1'][i % 3],
    message: i === 123 ? 'connection reset by peer' : 'served',
  }));
  return JSON.stringify(items, null, 2);
}

const SYSTEM = [
  {
    type: 'text',
    text: 'You are Claude Code, an agent for software engineering.',
    cache_control: { type: 'ephemeral' },
  },
];
const TOOLS = [
  {
    name: 'Bash',
    description: 'Run a shell command',
    input_schema: { type: 'object', properties: { command: { type: 'string' } } },
  },
];

/** Replays a session: each request is the previous one plus an assistant tool call and its (big) result. */
async function replay(
  turns: number,
  moveCacheMarker: boolean,
): Promise<{ sent: string[]; received: string[] }> {
  const messages: Message[] = [
    { role: 'user', content: [{ type: 'text', text: 'Find out why the nightly job fails and fix it.' }] },
  ];
  const sent: string[] = [];
  for (let turn = 0; turn < turns; turn += 1) {
    const id = `toolu_${String(turn).padStart(4, '0')}`;
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `step ${turn}` } }],
    });
    const result: Block = { type: 'tool_result', tool_use_id: id, content: toolOutput(turn) };
    if (moveCacheMarker) {
      // Claude Code moves its one cache_control marker to the newest block each turn.
      for (const m of messages)
        if (Array.isArray(m.content)) for (const b of m.content) delete b.cache_control;
      result.cache_control = { type: 'ephemeral' };
    }
    messages.push({ role: 'user', content: [result] });
    const body = JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      stream: true,
      system: SYSTEM,
      tools: TOOLS,
      messages,
    });
    sent.push(body);
    const res = await fetch(`${h!.proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        'anthropic-version': '2023-06-01',
        'user-agent': 'claude-cli/2.1.197 (external, cli)',
      },
      body,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
  return { sent, received: h!.anthropic.messageRequests().map((r) => r.body.toString('utf8')) };
}

const withoutMarkers = (m: unknown): string =>
  JSON.stringify(m, (key, value: unknown) => (key === 'cache_control' ? undefined : value));

describe('prefix stability over a 10-turn session', () => {
  it('every compressed request begins with the exact bytes of the previous compressed request', async () => {
    h = await startHarness();
    const { sent, received } = await replay(10, false);
    expect(received).toHaveLength(10);
    for (let n = 1; n < received.length; n += 1) {
      // `messages` is the last key, so the previous body minus its closing `]}` must be a byte prefix.
      const previous = received[n - 1]!.slice(0, -2);
      expect(received[n]!.startsWith(`${previous},`)).toBe(true);
    }
    const entries = await h.waitForEntries(10);
    for (const [n, entry] of entries.entries()) {
      expect(entry.passthroughReason).toBeUndefined();
      expect(entry.tokensSaved).toBeGreaterThan(0);
      expect(Buffer.byteLength(received[n]!)).toBeLessThan(Buffer.byteLength(sent[n]!) / 2);
      // Old outputs stay compressed on later turns, so savings grow with the session.
      if (n > 0) expect(entry.tokensSaved).toBeGreaterThan(entries[n - 1]!.tokensSaved);
    }
    const [system, tools] = [JSON.parse(received[9]!).system, JSON.parse(received[9]!).tools];
    expect(system).toEqual(SYSTEM);
    expect(tools).toEqual(TOOLS);
    await h.proxy.stop();
    const ledger = await readLedger(h.stateDir);
    expect(ledger.entries).toHaveLength(10);
    expect(ledger.entries.every((e) => e.agent === 'claude')).toBe(true);
  });

  it('keeps each compressed block identical when the cache marker moves to the newest block', async () => {
    h = await startHarness();
    const { received } = await replay(10, true);
    const parsed = received.map((b) => (JSON.parse(b) as { messages: Message[] }).messages);
    for (let n = 1; n < parsed.length; n += 1) {
      const previous = parsed[n - 1]!;
      for (let i = 0; i < previous.length; i += 1) {
        expect(withoutMarkers(parsed[n]![i])).toBe(withoutMarkers(previous[i]));
      }
      const newest = parsed[n]!.at(-1)!.content as Block[];
      expect(newest[0]!.cache_control).toEqual({ type: 'ephemeral' });
    }
    const entries = await h.waitForEntries(10);
    expect(entries.every((e) => e.tokensSaved > 0)).toBe(true);
  });

  it('compresses the same block to the same bytes after a restart', async () => {
    h = await startHarness();
    const first = await replay(2, false);
    const stateDir = h.stateDir;
    await h.close();
    h = await startHarness();
    const second = await replay(2, false);
    expect(second.received).toEqual(first.received.map((b) => b.replaceAll(stateDir, h!.stateDir)));
  });
});
