/**
 * Agent sessions replayed turn by turn, as the bodies the agents send: every turn resends the whole
 * conversation with a question, a tool call and its output appended. Built from the request bodies the
 * real agents sent (test/fixtures/agents/requests/: their key order, system prompt and tools) and the
 * captured outputs of the corpus.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { createBodyBuffers } from '../../src/proxy/body-buffers.js';
import { type BodyJob, runBodyJob } from '../../src/proxy/body-job.js';
import { createPrefixReuse, type PrefixReuse } from '../../src/proxy/prefix-reuse.js';
import { createFileStore, type FileStore } from '../../src/store/file-store.js';
import { AGENT_FIXTURES } from './agent-cases.js';

type Json = Record<string, unknown>;

export interface OutputCase {
  readonly file: string;
  readonly kind: string;
  readonly command: string;
  readonly question: string;
}

export type SessionShape = 'claude' | 'codex' | 'openai-chat';

export interface SessionTurn {
  readonly path: string;
  readonly provider: 'anthropic' | 'openai';
  readonly body: Buffer;
}

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

/** The corpus's cases (or the held-out set's) with their outputs' folder. */
export function outputCases(set: 'corpus' | 'heldout'): { dir: string; cases: OutputCase[] } {
  const dir = path.join(FIXTURES, set);
  return { dir, cases: JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as OutputCase[] };
}

/** One case of each kind, the smallest: the kinds, not the sizes, exercise different code. */
export function oneOfEachKind(dir: string, cases: readonly OutputCase[]): OutputCase[] {
  const size = (c: OutputCase) => readFileSync(path.join(dir, c.file)).length;
  const bySize = [...cases].sort((a, b) => size(b) - size(a));
  return [...new Map(bySize.map((c) => [c.kind, c])).values()];
}

const request = (file: string): Json =>
  JSON.parse(readFileSync(path.join(AGENT_FIXTURES, 'requests', file), 'utf8')) as Json;

/** Claude Code marks its last message's last block for caching, and moves the mark every turn. */
function withCacheMark(messages: Json[]): Json[] {
  const out = structuredClone(messages);
  const last = out.at(-1)?.content;
  if (Array.isArray(last) && last.length > 0) (last.at(-1) as Json).cache_control = { type: 'ephemeral' };
  return out;
}

/**
 * The bodies of one session, a turn per case. `variant` adds what real sessions also do: a system prompt
 * that changes mid-session (Claude Code's date), a body the client escapes differently (non-ASCII as
 * `\uXXXX`), and pretty-printed JSON.
 */
export function replayedSession(
  shape: SessionShape,
  dir: string,
  cases: readonly OutputCase[],
): SessionTurn[] {
  const turns: SessionTurn[] = [];
  const output = (c: OutputCase) => readFileSync(path.join(dir, c.file), 'utf8');
  if (shape === 'claude') {
    const template = request('claude-first.json');
    const messages = structuredClone(template.messages) as Json[];
    for (const [i, c] of cases.entries()) {
      const id = `toolu_replay_${i}`;
      messages.push(
        { role: 'user', content: [{ type: 'text', text: c.question }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id, name: 'Bash', input: { command: c.command } },
          ],
        },
        { role: 'user', content: [{ tool_use_id: id, type: 'tool_result', content: output(c) }] },
      );
      // Halfway through, the system prompt changes (a new day) while the conversation goes on.
      const system =
        i < cases.length / 2
          ? template.system
          : JSON.parse(JSON.stringify(template.system).replace(/2026/g, '2027'));
      const body = { ...template, messages: withCacheMark(messages), system };
      turns.push({ path: '/v1/messages', provider: 'anthropic', body: Buffer.from(JSON.stringify(body)) });
    }
    return turns;
  }
  if (shape === 'codex') {
    const template = request('codex-first.json');
    const input = structuredClone(template.input) as Json[];
    for (const [i, c] of cases.entries()) {
      const callId = `call_replay_${i}`;
      input.push(
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: c.question }] },
        {
          type: 'function_call',
          name: 'shell',
          arguments: JSON.stringify({ command: ['bash', '-lc', c.command] }),
          call_id: callId,
        },
        { type: 'function_call_output', call_id: callId, output: output(c) },
      );
      // Codex's serializer is Rust's; some clients escape every non-ASCII character instead.
      const json = JSON.stringify({ ...template, input });
      const escaped =
        i % 3 === 2
          ? json.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
          : json;
      turns.push({ path: '/v1/responses', provider: 'openai', body: Buffer.from(escaped) });
    }
    return turns;
  }
  const messages: Json[] = [{ role: 'system', content: 'You are a helpful coding assistant.' }];
  for (const [i, c] of cases.entries()) {
    const id = `call_chat_${i}`;
    messages.push(
      { role: 'user', content: c.question },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id,
            type: 'function',
            function: { name: 'shell', arguments: JSON.stringify({ cmd: c.command }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: id, content: output(c) },
    );
    // Tools before the conversation, pretty-printed: another client's layout.
    const body = {
      model: 'gpt-4o',
      tools: [{ type: 'function', function: { name: 'shell' } }],
      messages,
      temperature: 0,
    };
    turns.push({
      path: '/v1/chat/completions',
      provider: 'openai',
      body: Buffer.from(JSON.stringify(body, null, 2)),
    });
  }
  return turns;
}

const OPTIONS = { retrievalHint: 'full output: /x/{hash}.txt', compressSystemMessages: false };

/**
 * Replays sessions through the reusing path and the full path (which parses and splices every body whole)
 * and returns how many turns were compared. Both share one memo, so a block is compressed once; what is
 * compared is everything the shell does around it: reading, counting, splicing. With `shared`, the
 * reusing path reads each body from shared memory as the relay gathers it, given back and overwritten once
 * the turn is done (the next body goes into the same memory).
 */
export async function replayBothWays(
  sessions: readonly SessionTurn[][],
  store: FileStore = createFileStore({ stateDir: mkdtempSync(path.join(tmpdir(), 'headroom-reuse-')) }),
  { shared = false } = {},
): Promise<{ compared: number; reused: number }> {
  const buffers = createBodyBuffers();
  const memo = createBlockMemo();
  const prefixes = createPrefixReuse();
  let reused = 0;
  const conversations: PrefixReuse = {
    read(raw, provider, path) {
      const reading = prefixes.read(raw, provider, path);
      reused += reading.reused;
      return reading;
    },
  };
  const reusing = { compress: compressMessages, memo, store, conversations };
  const full = { compress: compressMessages, memo, store };
  let compared = 0;
  for (const turns of sessions) {
    for (const turn of turns) {
      const job = (raw: Buffer): BodyJob => ({
        raw,
        provider: turn.provider,
        path: turn.path,
        options: OPTIONS,
      });
      const raw = shared ? buffers.take(turn.body.length) : Buffer.from(turn.body);
      turn.body.copy(raw);
      const a = (await runBodyJob(job(raw), reusing)).outcome;
      const sent = Buffer.from(a.body);
      if (shared) {
        buffers.give(raw);
        raw.fill(0x20);
      }
      const b = (await runBodyJob(job(Buffer.from(turn.body)), full)).outcome;
      expect(sent.equals(Buffer.from(b.body))).toBe(true);
      const { body: _a, compressionMs: _ma, ...restA } = a;
      const { body: _b, compressionMs: _mb, ...restB } = b;
      expect(restA).toEqual(restB);
      compared += 1;
    }
  }
  return { compared, reused };
}
