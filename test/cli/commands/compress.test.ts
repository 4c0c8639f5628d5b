import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyInput, compressReport, rawConversation } from '../../../src/cli/compress-input.js';
import { run } from '../../../src/cli/main.js';
import { contentHash } from '../../../src/compress/hash.js';
import { readOriginal } from '../../../src/store/file-store.js';
import { memoryContext } from '../../helpers/cli.js';
import { apiRecords, testLog } from '../../helpers/outputs.js';
import { retrievalMarker } from '../../helpers/real-agents.js';

async function compressCli(args: string[], input: string | Uint8Array = '') {
  const home = await mkdtemp(path.join(tmpdir(), 'hr-compress-'));
  const io = memoryContext({ HEADROOM_HOME: home }, input);
  const code = await run(['compress', ...args], io.ctx);
  return { code, stdout: io.stdout(), stdoutBytes: io.stdoutBytes(), stderr: io.stderr() };
}

/** A chat request body (its `model` if given) whose one tool result is a failing test log of `lines` lines. */
const chatBody = (model: string | undefined, lines: number) => ({
  ...(model === undefined ? {} : { model }),
  messages: [
    { role: 'user', content: 'Which test fails?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'sh', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: testLog(lines) },
  ],
});

describe('compressReport', () => {
  const result = { output: '', transformsApplied: ['log:lines 9→2'] };
  it('never rounds 99.98% to 100.0%, and says an increase as added', () => {
    const most = compressReport({
      ...result,
      tokensBefore: 100_000,
      tokensAfter: 20,
      tokensSaved: 99_980,
      ratio: 0.9998,
    });
    expect(most).toBe('headroom: 100,000 → 20 tokens (saved 99,980, >99.9%) · log:lines 9→2');
    const grew = compressReport({
      ...result,
      tokensBefore: 100_000,
      tokensAfter: 100_006,
      tokensSaved: -6,
      ratio: -0.00006,
    });
    expect(grew).toBe('headroom: 100,000 → 100,006 tokens (added 6, <0.1%) · log:lines 9→2');
  });
});

describe('headroom compress with an unusable state dir', () => {
  // Node's recursive mkdir loops forever under /proc; the state dir is refused with a fix instead.
  it.runIf(process.platform === 'linux')(
    'fails with a clear error for HEADROOM_HOME under /proc',
    async () => {
      const home = `/proc/headroom-test-${process.pid}`;
      const io = memoryContext({ HEADROOM_HOME: home }, testLog(600));
      const code = await run(['compress'], io.ctx);
      expect(code).not.toBe(0);
      expect(io.stderr()).toContain(`Cannot create the state directory ${home}`);
      expect(io.stderr()).toContain('Set HEADROOM_HOME to a directory on an ordinary file system');
    },
  );
});

describe('classifyInput', () => {
  it('treats a messages array, a request body and Responses items as messages', () => {
    expect(classifyInput('[{"role":"user","content":"hi"}]').kind).toBe('messages');
    expect(classifyInput('{"model":"x","messages":[{"role":"user","content":"hi"}]}').kind).toBe('wrapped');
    expect(classifyInput('{"input":[{"type":"function_call_output","call_id":"c","output":"x"}]}').kind).toBe(
      'wrapped',
    );
    expect(classifyInput('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}').kind).toBe('wrapped');
    expect(classifyInput('[{"role":"model","parts":[{"text":"hi"}]}]').kind).toBe('messages');
  });

  it('treats an API dump, a log or a non-message JSON array as raw tool output', () => {
    expect(classifyInput(apiRecords(3)).kind).toBe('raw');
    expect(classifyInput('[{"type":"issue","title":"x"}]').kind).toBe('raw');
    expect(classifyInput('npm ERR! code 1').kind).toBe('raw');
    expect(classifyInput('[]').kind).toBe('raw');
  });

  it('wraps a raw output as one tool call answering the question', () => {
    const messages = rawConversation('out', 'why?') as { role: string; content: unknown }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(messages[0]?.content).toBe('why?');
    expect(messages[2]?.content).toBe('out');
  });
});

describe('headroom compress', () => {
  it('compresses a test log from stdin, keeps the failure, and reports savings on stderr', async () => {
    const { code, stdout, stderr } = await compressCli(['--query', 'which test fails?'], testLog(1200));
    expect(code).toBe(0);
    expect(stdout).toContain('AssertionError: expected 90 to be 81');
    expect(stdout.length).toBeLessThan(testLog(1200).length / 3);
    expect(stderr).toMatch(/^headroom: [\d,]+ → [\d,]+ tokens \(saved [\d,]+, [<>]?\d+\.\d%\) · \S/);
  });

  it('keeps the record a query names in a JSON file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-compress-in-'));
    const file = path.join(dir, 'services.json');
    await writeFile(file, apiRecords(600));
    const { code, stdout } = await compressCli([file, '--query', 'what is the status of needle-service?']);
    expect(code).toBe(0);
    expect(stdout).toContain('needle-service');
    expect(stdout).toContain('failed');
  });

  it('compresses a Gemini request file, keeping the failure and every other part as it was', async () => {
    const body = {
      systemInstruction: { parts: [{ text: 'You are a coding agent.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Which test fails?' }] },
        {
          role: 'model',
          parts: [{ functionCall: { id: 'g1', name: 'run_shell_command', args: { command: 'npm test' } } }],
        },
        {
          role: 'user',
          parts: [
            {
              functionResponse: { id: 'g1', name: 'run_shell_command', response: { output: testLog(1200) } },
            },
          ],
        },
      ],
    };
    const { code, stdout } = await compressCli([], JSON.stringify(body));
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as typeof body;
    expect(out.systemInstruction).toEqual(body.systemInstruction);
    expect(out.contents.slice(0, 2)).toEqual(body.contents.slice(0, 2));
    const output = (out.contents[2]!.parts[0] as { functionResponse: { response: { output: string } } })
      .functionResponse.response.output;
    expect(output).toContain('AssertionError: expected 90 to be 81');
    expect(output.length).toBeLessThan(testLog(1200).length / 3);
  });

  it('returns a messages file in the same shape, with --json giving a machine result', async () => {
    const { code, stdout } = await compressCli(['--json'], JSON.stringify(chatBody('gpt-5', 1200)));
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.input).toBe('messages');
    expect(result.tokensSaved).toBeGreaterThan(0);
    expect(result.tokensSaved).toBe(result.tokensBefore - result.tokensAfter);
    expect(result.output.model).toBe('gpt-5');
    expect(result.output.messages).toHaveLength(3);
    expect(result.output.messages[2].tool_call_id).toBe('c1');
    expect(result.transformsApplied.length).toBeGreaterThan(0);
  });

  describe('the model it counts for', () => {
    const body = (model?: string) => JSON.stringify(chatBody(model, 600));
    const counted = async (args: string[], input: string) =>
      JSON.parse((await compressCli(['--json', ...args], input)).stdout);

    it("is the body's own model when --model is not given, and the report says so", async () => {
      const own = await counted([], body('gpt-4o'));
      const asGpt = await counted(['--model', 'gpt-4o'], body());
      const asDefault = await counted([], body());
      expect(own.model).toBe('gpt-4o');
      expect(own.tokensBefore).toBe(asGpt.tokensBefore);
      expect(asDefault.model).toBe('claude-sonnet-4-6');
      expect(own.tokensBefore).not.toBe(asDefault.tokensBefore);
      const { stderr } = await compressCli([], body('gpt-4o'));
      expect(stderr).toMatch(/ · counted as gpt-4o \(the body's model\)\n$/);
    });

    it("is --model when given, over the body's", async () => {
      const given = await counted(['--model', 'claude-sonnet-4-6'], body('gpt-4o'));
      const asDefault = await counted([], body());
      expect(given.model).toBe('claude-sonnet-4-6');
      expect(given.tokensBefore).toBe(asDefault.tokensBefore);
      const { stderr } = await compressCli(['--model', 'claude-sonnet-4-6'], body('gpt-4o'));
      expect(stderr).toMatch(/ · counted as claude-sonnet-4-6 \(--model\)\n$/);
    });
  });

  it('says --query is not used for a messages file, whose last user message is the question', async () => {
    const messages = JSON.stringify([{ role: 'user', content: 'hi' }]);
    const { code, stderr } = await compressCli(['--query', 'which test fails?'], messages);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: --query is not used for a messages file');
    expect((await compressCli(['--query', 'which test fails?'], 'total 0\n')).stderr).not.toContain(
      'warning',
    );
  });

  it('passes a small output through unchanged and says so', async () => {
    const { code, stdout, stderr } = await compressCli([], 'total 0\n');
    expect(code).toBe(0);
    expect(stdout).toBe('total 0\n');
    expect(stderr).toContain('nothing to compress');
  });

  describe('the original it stores for a compressed output', () => {
    /** A 2,000-line log whose line 700 carries `bytes`, compressed; its marker's file and the store's string. */
    async function stored(bytes: number[]) {
      const lines = Array.from({ length: 2_000 }, (_, i) =>
        Buffer.from(
          `2026-12-06T10:00:${String(i % 60).padStart(2, '0')} INFO worker ${i} processed batch ${i * 7} ok`,
        ),
      );
      lines[700] = Buffer.concat([
        Buffer.from('2026-12-06T10:00:00 ERROR bad byte '),
        Buffer.from(bytes),
        Buffer.from(' in payload'),
      ]);
      const input = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
      const { code, stdout } = await compressCli([], input);
      expect(code).toBe(0);
      const marker = retrievalMarker(stdout);
      expect(marker, stdout.slice(-300)).toBeDefined();
      const home = path.dirname(path.dirname(marker!.file));
      const text = await readOriginal(marker!.hash, home);
      return { input, file: await readFile(marker!.file), text, hash: marker!.hash };
    }

    it('is the input bytes, invalid UTF-8 and all, while the store still reads back the hashed text', async () => {
      const { input, file, text, hash } = await stored([0xff, 0xfe]);
      expect(input.toString('utf8')).toContain('\uFFFD');
      expect(file.equals(input)).toBe(true);
      expect(text).toBe(input.toString('utf8'));
      expect(contentHash(text!)).toBe(hash);
    });

    it('is the text when the bytes would not read back as it (an encoded surrogate), so the hash still holds', async () => {
      const { input, file, text, hash } = await stored([0xed, 0xa0, 0x80]);
      expect(text).toBe(input.toString('utf8'));
      expect(contentHash(text!)).toBe(hash);
      expect(file.equals(Buffer.from(input.toString('utf8')))).toBe(true);
    });
  });

  it('passes a binary file through byte for byte, invalid UTF-8 and all', async () => {
    // 24 KB of scrambled bytes: far over the threshold, so it is counted and judged binary.
    const binary = Buffer.from(
      Array.from({ length: 24_000 }, (_, i) => Math.imul(i + 1, 2_654_435_761) >>> 24),
    );
    expect(binary.toString('utf8')).toContain('\uFFFD');
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-compress-in-'));
    const file = path.join(dir, 'a.out');
    await writeFile(file, binary);
    const { code, stdoutBytes, stderr } = await compressCli([file]);
    expect(code).toBe(0);
    expect(stderr).toContain('nothing to compress');
    expect(stdoutBytes.equals(binary)).toBe(true);
  });

  it('passes a small output through as its exact bytes: no newline added, invalid UTF-8 kept', async () => {
    const small = Buffer.from([0x6f, 0x6b, 0x20, 0xff, 0xfe, 0x0a, 0x64, 0x6f, 0x6e, 0x65]); // "ok \xff\xfe\ndone"
    const { code, stdoutBytes } = await compressCli([], small);
    expect(code).toBe(0);
    expect(stdoutBytes.equals(small)).toBe(true);
    expect((await compressCli([], '')).stdoutBytes).toHaveLength(0);
  });

  it('rejects an unknown profile with the expected values', async () => {
    const { code, stderr } = await compressCli(['--profile', 'max'], 'x');
    expect(code).toBe(2);
    expect(stderr).toContain('Expected `--profile` to be one of default, agent-90, got `max`.');
  });
});
