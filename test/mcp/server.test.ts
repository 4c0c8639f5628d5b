/**
 * The MCP server over stdio, driven by the official SDK client: `node bin/headroom.js mcp` in a child
 * process, exactly as Claude Code or Codex starts it, with its state in a scratch HEADROOM_HOME.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { appendLedger } from '../../src/ledger/ledger.js';
import { RETRIEVE_MAX_CHARS } from '../../src/mcp/retrieve-tool.js';
import { createFileStore } from '../../src/store/file-store.js';
import { tokenCounter } from '../../src/tokens/count.js';
import { BIN, ensureBuilt, memoryContext } from '../helpers/cli.js';
import { entry } from '../helpers/ledger-entries.js';
import { apiRecords, grepOutput, testLog } from '../helpers/outputs.js';

let home: string;
let client: Client;

beforeAll(async () => {
  await ensureBuilt();
  home = await mkdtemp(path.join(tmpdir(), 'hr-mcp-'));
  client = new Client({ name: 'headroom-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: { HEADROOM_HOME: home, PATH: path.dirname(process.execPath) },
      stderr: 'ignore',
    }),
  );
}, 120_000);

afterAll(async () => {
  await client?.close();
  await rm(home, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function texts(result: CallToolResult): string[] {
  return result.content.map((c) => (c.type === 'text' ? c.text : `<${c.type}>`));
}

const hashIn = (text: string) => /hash=([0-9a-f]+)/.exec(text)?.[1];

describe('headroom mcp over stdio', () => {
  it('lists three tools whose definitions stay small', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['headroom_compress', 'headroom_retrieve', 'headroom_stats']);
    for (const tool of tools) expect(tool.description!.length).toBeLessThan(300);
    // What an agent pays on every request for having the server installed.
    const count = await tokenCounter('claude-sonnet-4-6');
    const definitions = tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.inputSchema,
    }));
    expect(count(JSON.stringify(definitions))).toBeLessThan(600);
  });

  it('compresses a tool output, stores the original, and gives it back byte for byte', async () => {
    const log = testLog(600);
    expect(log.length).toBeLessThan(RETRIEVE_MAX_CHARS);
    const result = await call('headroom_compress', { text: log, question: 'which test fails?' });
    expect(result.isError).toBeFalsy();
    const [compressed, report] = texts(result);
    expect(compressed!.length).toBeLessThan(log.length / 4);
    expect(compressed).toContain('AssertionError: expected 90 to be 81');
    expect(report).toMatch(/^\[headroom: [\d,]+ → [\d,]+ tokens \(saved [\d,]+, \d+\.\d%\)/);
    const hash = hashIn(compressed!);
    expect(hash).toBeDefined();
    expect(compressed).toContain(`full output: ${path.join(home, 'ccr', `${hash}.txt`)}`);
    expect(await readFile(path.join(home, 'ccr', `${hash}.txt`), 'utf8')).toBe(log);

    const back = await call('headroom_retrieve', { hash });
    expect(back.isError).toBeFalsy();
    expect(texts(back)).toEqual([log]);
    // As a model may copy it: with the `hash=` prefix, in capitals.
    expect(texts(await call('headroom_retrieve', { hash: `hash=${hash!.toUpperCase()}` }))).toEqual([log]);
  });

  it('compresses a messages array and answers with the messages as JSON', async () => {
    const messages = [
      { role: 'user', content: 'Which order is stuck?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'orders', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: apiRecords(600) },
    ];
    const result = await call('headroom_compress', { messages });
    expect(result.isError).toBeFalsy();
    const out = JSON.parse(texts(result)[0]!) as { role: string; content: string }[];
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual(messages[0]);
    expect(out[2]!.content.length).toBeLessThan(apiRecords(600).length / 4);
    expect(hashIn(out[2]!.content)).toBeDefined();
  });

  it('compresses harder for a budget, and says so when even that is over it', async () => {
    const grep = grepOutput();
    const tokensAfter = (report: string) => Number(/→ ([\d,]+) tokens/.exec(report)![1]!.replace(/,/g, ''));
    const [plain, plainReport] = texts(await call('headroom_compress', { text: grep }));
    expect(tokensAfter(plainReport!)).toBeGreaterThan(1000);
    const [fitted, fittedReport] = texts(await call('headroom_compress', { text: grep, budget: 1000 }));
    expect(fitted!.length).toBeLessThan(plain!.length);
    expect(tokensAfter(fittedReport!)).toBeLessThanOrEqual(1000);
    expect(fittedReport).not.toContain('over the budget');
    const [, overReport] = texts(await call('headroom_compress', { text: grep, budget: 1 }));
    expect(overReport).toContain('over the budget of 1:');
  });

  it('returns a line range and search hits verbatim, with where they came from', async () => {
    const log = testLog(300);
    const hash = hashIn(texts(await call('headroom_compress', { text: log }))[0]!)!;
    const lines = log.split(/(?<=\n)/);
    const range = texts(await call('headroom_retrieve', { hash, startLine: 10, endLine: 12 }));
    expect(range).toEqual([lines.slice(9, 12).join(''), `[headroom: lines 10–12 of ${lines.length}]`]);
    const hits = texts(await call('headroom_retrieve', { hash, search: 'assertionerror' }));
    const n = lines.findIndex((l) => l.includes('AssertionError')) + 1;
    expect(hits).toEqual([
      lines[n - 1],
      `[headroom: 1 of ${lines.length} lines contain "assertionerror": line ${n}]`,
    ]);
    const none = await call('headroom_retrieve', { hash, search: 'no such text' });
    expect(none.isError).toBeFalsy();
    expect(texts(none)[0]).toContain('no line of');
  });

  it('pages a large original in whole lines that add up to it exactly', async () => {
    const big = `${'x'.repeat(120)}\n`.repeat(30_000);
    const store = createFileStore({ stateDir: home });
    await store.putAll(new Map([['0123456789ab', big]]));
    const parts: string[] = [];
    let startLine: number | undefined = 1;
    while (startLine !== undefined) {
      const [text, note] = texts(await call('headroom_retrieve', { hash: '0123456789ab', startLine }));
      expect(text!.length).toBeLessThanOrEqual(RETRIEVE_MAX_CHARS);
      parts.push(text!);
      const next = /startLine=(\d+)/.exec(note ?? '');
      startLine = next ? Number(next[1]) : undefined;
    }
    expect(parts.length).toBeGreaterThan(50);
    expect(parts.join('')).toBe(big);
  });

  it('cuts a line longer than a page, says which characters it shows, and the pages add up to it', async () => {
    const chalk = await readFile(
      path.resolve(import.meta.dirname, '../fixtures/corpus/minified-json-chalk.txt'),
      'utf8',
    );
    // Minified JSON on one line, between two short lines and then twice over, so pages go from cut
    // lines back to whole lines.
    const original = `head\n${chalk}\nmiddle\n${chalk}${chalk}\ntail`;
    const store = createFileStore({ stateDir: home });
    await store.putAll(new Map([['fedcba987654', original]]));
    const parts: string[] = [];
    const notes: string[] = [];
    let args: Record<string, unknown> | undefined = { hash: 'fedcba987654' };
    while (args !== undefined) {
      const [text, note] = texts(await call('headroom_retrieve', args));
      expect(text!.length).toBeLessThanOrEqual(RETRIEVE_MAX_CHARS);
      parts.push(text!);
      notes.push(note!);
      const cut = /the rest with hash=(fedcba987654@\d+:\d+)/.exec(note!);
      const next = /startLine=(\d+)/.exec(note!);
      args = cut ? { hash: cut[1] } : next ? { hash: 'fedcba987654', startLine: Number(next[1]) } : undefined;
    }
    expect(parts.join('')).toBe(original);
    expect(notes).toEqual([
      '[headroom: lines 1–1 of 5; the rest with startLine=2]',
      '[headroom: line 2 of 5, characters 1–50,000 of 63,664; the rest with hash=fedcba987654@2:50001]',
      '[headroom: line 2 of 5, characters 50,001–63,664 (its end), then lines 3–3; the rest with startLine=4]',
      '[headroom: line 4 of 5, characters 1–50,000 of 127,327; the rest with hash=fedcba987654@4:50001]',
      '[headroom: line 4 of 5, characters 50,001–100,000 of 127,327; the rest with hash=fedcba987654@4:100001]',
      '[headroom: line 4 of 5, characters 100,001–127,327 (its end), then lines 5–5 (the end of the original)]',
    ]);
    // A search hit on that line is cut the same way, and names where the rest starts.
    const [hit, hitNote] = texts(await call('headroom_retrieve', { hash: 'fedcba987654', search: 'middle' }));
    expect(hit).toBe('middle\n');
    expect(hitNote).toBe('[headroom: 1 of 5 lines contain "middle": line 3]');
    const [long, longNote] = texts(
      await call('headroom_retrieve', { hash: 'fedcba987654', search: '"chalk"' }),
    );
    expect(long).toBe(`${chalk.slice(0, RETRIEVE_MAX_CHARS - 1)}\n`);
    expect(longNote).toBe(
      '[headroom: 2 of 5 lines contain ""chalk"": line 2 (line 2 of 5, characters 1–49,999 of 63,664; ' +
        'the rest with hash=fedcba987654@2:50000); the first 1 shown, narrow the search]',
    );
    for (const [bad, message] of [
      [{ hash: 'fedcba987654@4:1', startLine: 4 }, /not both/],
      [{ hash: 'fedcba987654@4:1', search: 'x' }, /not both/],
      [{ hash: 'fedcba987654@9:1' }, /line 9 is past the end: the original has 5 lines/],
      [{ hash: 'fedcba987654@1:6' }, /character 6 is past the end of line 1 \(5 characters\)/],
      [{ hash: 'fedcba987654@0:1' }, /is not a headroom hash/],
    ] as const) {
      const result = await call('headroom_retrieve', bad);
      expect(result.isError, JSON.stringify(bad)).toBe(true);
      expect(texts(result)[0]).toMatch(message);
    }
  });

  it('takes a multi-megabyte input without falling over', async () => {
    const huge = testLog(60_000);
    expect(huge.length).toBeGreaterThan(4_000_000);
    const result = await call('headroom_compress', { text: huge });
    expect(result.isError).toBeFalsy();
    expect(texts(result)[0]!.length).toBeLessThan(huge.length / 20);
  }, 60_000);

  it('answers bad calls with errors the model can act on, and keeps serving', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['headroom_retrieve', { hash: 'abcdef123456' }, /Nothing is stored for hash=abcdef123456 .*expired/],
      ['headroom_retrieve', { hash: 'not a hash!' }, /is not a headroom hash/],
      ['headroom_retrieve', { hash: 12 }, /Input validation error/],
      ['headroom_retrieve', {}, /Input validation error/],
      ['headroom_retrieve', { hash: '0123456789ab', startLine: 0 }, /Input validation error/],
      ['headroom_retrieve', { hash: '0123456789ab', startLine: 40_000 }, /past the end: .* 30,000 lines/],
      ['headroom_retrieve', { hash: '0123456789ab', startLine: 5, endLine: 2 }, /before startLine/],
      ['headroom_retrieve', { hash: '0123456789ab', startLine: 2, search: 'x' }, /not both/],
      ['headroom_compress', {}, /exactly one of `text` or `messages`/],
      ['headroom_compress', { text: 'a', messages: [{ role: 'user', content: 'b' }] }, /exactly one/],
      ['headroom_compress', { messages: [] }, /empty/],
      ['headroom_compress', { text: 42 }, /Input validation error/],
      ['headroom_compress', { text: 'x', budget: -5 }, /Input validation error/],
      ['headroom_stats', { period: 'yearly' }, /Input validation error/],
      ['headroom_stats', { since: '2026-13-01' }, /Expected `since` to be a date/],
      // As `headroom stats --since … --until …` says, not an empty report.
      ['headroom_stats', { since: '2026-12-01', until: '2026-01-01' }, /no day is in both\. Swap them/],
      ['headroom_nothing', {}, /not found/],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(texts(result)[0]).toMatch(message);
    }
    await expect(client.ping()).resolves.toBeDefined();
  });

  it('reports the same numbers as `stats --json`', async () => {
    await appendLedger(entry({ ts: '2026-11-20T10:00:00.000Z' }), home);
    await appendLedger(entry({ ts: '2026-11-21T10:00:00.000Z', session: 'codex-1', agent: 'codex' }), home);
    for (const [period, flags] of [
      ['daily', []],
      ['session', ['--since', '2026-11-21']],
    ] as const) {
      const io = memoryContext({ HEADROOM_HOME: home, TZ: process.env.TZ });
      expect(await run(['stats', period, ...flags, '--json'], io.ctx)).toBe(0);
      const args = flags.length === 0 ? { period } : { period, since: flags[1] };
      const result = await call('headroom_stats', args);
      expect(JSON.parse(texts(result)[0]!)).toEqual(JSON.parse(io.stdout()));
    }
  });
});

describe('headroom mcp as a process', () => {
  it('skips a line that is not JSON-RPC, says so on stderr, and answers the next request', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp'], {
      env: { HEADROOM_HOME: home, PATH: path.dirname(process.execPath) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.write('this is not json\n{"jsonrpc":"2.0","id":7,"method":"ping"}\n');
    await expect.poll(() => stdout, { timeout: 10_000 }).toContain('"id":7');
    expect(JSON.parse(stdout.trim())).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    expect(stderr).toContain('error: mcp:');
    child.stdin.end();
    expect(await exited).toBe(0);
  });

  it('exits 0 when the client closes its stdin', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp'], {
      env: { HEADROOM_HOME: home, PATH: path.dirname(process.execPath) },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
  });
});
