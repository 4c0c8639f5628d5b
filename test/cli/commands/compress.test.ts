import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyInput, rawConversation } from '../../../src/cli/compress-input.js';
import { run } from '../../../src/cli/main.js';
import { memoryContext } from '../../helpers/cli.js';
import { apiRecords, testLog } from '../../helpers/outputs.js';

async function compressCli(args: string[], input: string | Uint8Array = '') {
  const home = await mkdtemp(path.join(tmpdir(), 'hr-compress-'));
  const io = memoryContext({ HEADROOM_HOME: home }, input);
  const code = await run(['compress', ...args], io.ctx);
  return { code, stdout: io.stdout(), stdoutBytes: io.stdoutBytes(), stderr: io.stderr() };
}

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
    expect(stderr).toMatch(/^headroom: [\d,]+ → [\d,]+ tokens \(saved [\d,]+, \d+\.\d%\) · \S/);
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

  it('returns a messages file in the same shape, with --json giving a machine result', async () => {
    const body = {
      model: 'gpt-5',
      messages: [
        { role: 'user', content: 'Which test fails?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'sh', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: testLog(1200) },
      ],
    };
    const { code, stdout } = await compressCli(['--json'], JSON.stringify(body));
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
