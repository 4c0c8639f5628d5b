import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayout, sharedPrefix } from '../../src/proxy/body-layout.js';
import { conversationAffinity } from '../../src/proxy/prefix-reuse.js';
import { createFileStore, type FileStore } from '../../src/store/file-store.js';
import {
  oneOfEachKind,
  outputCases,
  replayBothWays,
  replayedSession,
  type SessionShape,
  type SessionTurn,
} from '../helpers/replayed-sessions.js';

describe('prefix reuse changes no output byte', () => {
  const { dir, cases } = outputCases('corpus');
  const kinds = oneOfEachKind(dir, cases);
  it.each<SessionShape>(['claude', 'codex', 'openai-chat'])(
    'a %s session, one output of each kind a turn, gives the full path’s bodies turn by turn',
    async (shape) => {
      const turns = replayedSession(shape, dir, kinds);
      const { compared, reused } = await replayBothWays([turns]);
      expect(compared).toBe(kinds.length);
      // Every turn after the first reuses the messages of the one before.
      expect(reused).toBeGreaterThan(3 * (kinds.length - 1));
    },
    120_000,
  );

  it('keeps its own copy of a body read from shared memory, which then holds the next body', async () => {
    const turns = replayedSession('claude', dir, kinds);
    const { compared, reused } = await replayBothWays([turns], undefined, { shared: true });
    expect(compared).toBe(kinds.length);
    expect(reused).toBeGreaterThan(3 * (kinds.length - 1));
  }, 120_000);

  it('goes back to the full read when a turn edits history, breaks the JSON, or repeats a key', async () => {
    const turns = replayedSession('claude', dir, kinds.slice(0, 4));
    const last = turns.at(-1)!;
    const text = last.body.toString();
    const edited = (body: string): SessionTurn => ({ ...last, body: Buffer.from(body) });
    const variants = [
      // An earlier message rewritten (a compaction): the shared prefix ends early.
      edited(text.replace('Let me look.', 'Let me see.')),
      // Cut off mid-body, then the whole body again.
      edited(text.slice(0, Math.floor(text.length * 0.9))),
      last,
      // Bytes after the body, and a duplicate top-level key (the last one wins in JSON.parse).
      edited(`${text} x`),
      edited(text.replace(/}$/, ',"max_tokens":7,"max_tokens":9}')),
      edited(text.replace('"messages":[', '"messages":[ \n')),
      // Invalid UTF-8 inside a new message.
      {
        ...last,
        body: Buffer.concat([
          last.body.subarray(0, last.body.length - 400),
          Buffer.from([0xff]),
          last.body.subarray(last.body.length - 399),
        ]),
      },
      last,
    ];
    for (const shared of [false, true]) {
      const { compared } = await replayBothWays([[...turns, ...variants]], undefined, { shared });
      expect(compared).toBe(turns.length + variants.length);
    }
  }, 120_000);

  it('splices a message again when what compression changed in it differs from the last turn', async () => {
    // Two outputs in one message (parallel tool calls); one original cannot be stored on the first turn,
    // so that output goes out raw once and compressed on the next.
    const [a, b] = [
      readFileSync(path.join(dir, kinds[0]!.file), 'utf8'),
      readFileSync(path.join(dir, kinds[1]!.file), 'utf8'),
    ];
    const messages: unknown[] = [
      { role: 'user', content: [{ type: 'text', text: kinds[0]!.question }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_a', name: 'Bash', input: { command: kinds[0]!.command } },
          { type: 'tool_use', id: 'toolu_b', name: 'Bash', input: { command: kinds[1]!.command } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: a },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: b },
        ],
      },
    ];
    const turn = (more: unknown[]): SessionTurn => ({
      path: '/v1/messages',
      provider: 'anthropic',
      body: Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-6', messages: [...messages, ...more] })),
    });
    const real = createFileStore({ stateDir: mkdtempSync(path.join(tmpdir(), 'headroom-reuse-')) });
    let failing = 0;
    const store: FileStore = {
      ...real,
      async putAll(originals) {
        if (failing > 0 && [...originals.values()].includes(b)) {
          failing -= 1;
          throw new Error('disk full');
        }
        return real.putAll(originals);
      },
    };
    failing = 2; // the first turn's write fails on both paths
    const first = turn([]);
    const next = turn([{ role: 'assistant', content: [{ type: 'text', text: 'Two outputs.' }] }]);
    const { compared, reused } = await replayBothWays([[first, next]], store);
    expect([compared, failing]).toEqual([2, 0]);
    expect(reused).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe('prefix reuse on the whole corpus and the held-out set', () => {
  it.each<SessionShape>(['claude', 'codex', 'openai-chat'])(
    'a %s session of every output gives the full path’s bodies turn by turn',
    async (shape) => {
      const sessions = (['corpus', 'heldout'] as const).map((set) => {
        const { dir, cases } = outputCases(set);
        return replayedSession(shape, dir, cases);
      });
      const { compared, reused } = await replayBothWays(sessions);
      expect(compared).toBe(sessions.flat().length);
      expect(reused).toBeGreaterThan(compared);
    },
    300_000,
  );
});

describe('readLayout', () => {
  const body = (messages: unknown[], extra: Record<string, unknown> = {}) =>
    Buffer.from(JSON.stringify({ model: 'm', messages, ...extra }));

  it('parses exactly what JSON.parse parses, reading only what is new', () => {
    const first = body(
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
      { tools: [1, 2] },
    );
    const was = readLayout(first)!;
    expect(was.values).toEqual(Object.values(JSON.parse(first.toString())));
    const next = body(
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      {
        tools: [1, 2],
      },
    );
    const now = readLayout(next, was, sharedPrefix(first, next))!;
    expect(Object.fromEntries(now.members.map((m, i) => [m.key, now.values[i]]))).toEqual(
      JSON.parse(next.toString()),
    );
    // The shared messages and the unchanged tools are the very objects read before.
    const [before, after] = [was.values[1] as unknown[], now.values[1] as unknown[]];
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(now.values[2]).toBe(was.values[2]);
  });

  it('agrees with JSON.parse on randomly damaged turns, or declines', () => {
    const first = body(
      Array.from({ length: 20 }, (_, i) => ({ role: 'user', content: `m${i} é ☃ \\ "q"` })),
      {
        n: 1.5e3,
        t: true,
      },
    );
    const was = readLayout(first)!;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = Buffer.from('{}[],:"\\ 0123456789eE+-.truefalsn\u00e9');
    let agreed = 0;
    for (let round = 0; round < 3000; round += 1) {
      const next = Buffer.from(first);
      const at = Math.floor(first.length * (0.3 + 0.7 * random()));
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e += 1)
        next[Math.min(next.length - 1, at + e)] = alphabet[Math.floor(random() * alphabet.length)]!;
      let expected: unknown;
      try {
        expected = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(next));
      } catch {
        expected = undefined;
      }
      const layout = readLayout(next, was, sharedPrefix(first, next));
      if (!layout) continue;
      expect(expected).toBeDefined();
      expect(Object.fromEntries(layout.members.map((m, i) => [m.key, layout.values[i]]))).toEqual(expected);
      agreed += 1;
    }
    expect(agreed).toBeGreaterThan(100);
  });

  it('finds the longest shared prefix at any length', () => {
    const a = Buffer.alloc(100_000, 7);
    for (const n of [0, 1, 63, 64, 65, 4095, 4096, 4097, 50_000, 99_999]) {
      const b = Buffer.from(a);
      b[n] = 8;
      expect(sharedPrefix(a, b)).toBe(n);
    }
    expect(sharedPrefix(a, a.subarray(0, 300))).toBe(300);
  });
});

describe('conversationAffinity', () => {
  const system = `You are an app's assistant. ${'Follow the house rules. '.repeat(4000)}`;
  const tools = Array.from({ length: 30 }, (_, i) => ({
    name: `tool_${i}`,
    description: 'Does one thing. '.repeat(120),
    // Properties named like the conversation keys, whose values are objects: not the conversation.
    input_schema: { type: 'object', properties: { messages: { type: 'array' }, input: { type: 'string' } } },
  }));
  const body = (first: string, turns: number, indent?: number): Buffer =>
    Buffer.from(
      JSON.stringify(
        {
          model: 'claude-sonnet-4-6',
          system,
          tools,
          messages: Array.from({ length: turns }, (_, i) => ({
            role: i % 2 ? 'assistant' : 'user',
            content: i === 0 ? first : `turn ${i}`,
          })),
        },
        null,
        indent,
      ),
    );

  it('tells apart conversations that share a long system prompt and tools sent before them', () => {
    expect(body('a', 1).indexOf('"messages":[')).toBeGreaterThan(64 * 1024);
    const keys = new Set(Array.from({ length: 20 }, (_, i) => conversationAffinity(body(`job ${i}`, 1))));
    expect(keys.size).toBe(20);
  });

  it('is the same on every turn of one conversation, compact or pretty-printed', () => {
    for (const indent of [undefined, 2]) {
      const first = conversationAffinity(body('job 1', 1, indent));
      for (const turns of [2, 5, 9]) expect(conversationAffinity(body('job 1', turns, indent))).toBe(first);
    }
  });

  it("finds the conversation wherever it starts, a search window's edge included", () => {
    const at = (pad: number, first: string): Buffer => {
      const head = JSON.stringify({ model: 'm', system: 'x'.repeat(pad) }).slice(0, -1);
      return Buffer.from(`${head},"messages":[{"role":"user","content":"${first}"}]}`);
    };
    const name = conversationAffinity(at(10, 'job 1'));
    for (let start = 64 * 1024 - 12; start <= 64 * 1024 + 2; start += 1) {
      const body = at(start - 25, 'job 1');
      expect(body.indexOf('"messages"')).toBe(start);
      expect(conversationAffinity(body)).toBe(name);
    }
    expect(conversationAffinity(at(64 * 1024, 'job 2'))).not.toBe(name);
  });

  it('finds a Responses `input` array, and hashes the start of a body with no conversation', () => {
    const responses = (first: string) =>
      Buffer.from(
        JSON.stringify({ model: 'gpt-5', instructions: system, input: [{ role: 'user', content: first }] }),
      );
    expect(conversationAffinity(responses('a'))).not.toBe(conversationAffinity(responses('b')));
    const bare = (n: number) => Buffer.from(JSON.stringify({ model: 'm', prompt: `p${n}` }));
    expect(conversationAffinity(bare(1))).toBe(conversationAffinity(bare(1)));
    expect(conversationAffinity(bare(1))).not.toBe(conversationAffinity(bare(2)));
  });
});
