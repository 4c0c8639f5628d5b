import { describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { openEnvelope } from '../../src/compress/wrappers/index.js';
import { type AgentCase, loadAgentCases, readAgentFixture } from '../helpers/agent-cases.js';
import { agentRequest, needleKept, toolOutputOf } from '../helpers/agent-messages.js';

/** What Codex keeps of a command's output by itself, in characters: the budget headroom holds Codex to. */
const BUDGET = 10_000;
const NOTE = /^\[… .*\]$/;
const MARKER = /^\[headroom: .*\]$/;
const NUMBERED = /^( *\d+)\t/;

const cases = loadAgentCases();

async function compressCase(c: AgentCase, text = readAgentFixture(c.file)) {
  const request = agentRequest(c, text);
  const result = await compressMessages(request.messages, {
    model: request.model,
    ...(c.agent === 'codex' ? { toolOutputBudget: BUDGET } : {}),
  });
  const block = result.blocks.find(
    (b) => b.location === 'tool_result' || b.location === 'function_call_output',
  );
  return { original: text, output: toolOutputOf(c, result.messages), block, result };
}

/** Splits on `\n` only, so a CRLF line keeps its `\r` and must match byte for byte. */
const linesOf = (text: string): string[] => text.split('\n');

describe.each(cases)('$name ($shape)', (c) => {
  it('keeps every needle, on its original line', async () => {
    const { original, output } = await compressCase(c);
    const lost = c.needles.filter((n) => !needleKept(original, output, n));
    expect(lost).toEqual([]);
  });

  it('keeps each line it keeps byte for byte and in order, with its line number', async () => {
    const { original, output } = await compressCase(c);
    const originalLines = linesOf(original);
    const byNumber = new Map<string, string>();
    for (const line of originalLines) {
      const m = NUMBERED.exec(line);
      if (m) byNumber.set(m[1]!.trim(), line);
    }
    // Kept lines must be a subsequence of the original lines; earliest matches are enough to find one.
    const out = linesOf(output);
    const matched = new Array<boolean>(out.length).fill(false);
    let cursor = 0;
    out.forEach((line, i) => {
      let j = cursor;
      while (j < originalLines.length && originalLines[j] !== line) j++;
      if (j === originalLines.length) return;
      matched[i] = true;
      cursor = j + 1;
      const m = NUMBERED.exec(line);
      if (m && byNumber.size > 0) expect(byNumber.get(m[1]!.trim())).toBe(line);
    });
    const lastKept = matched.lastIndexOf(true);
    out.forEach((line, i) => {
      if (matched[i]) return;
      // Anything new is an omission note, the retrieval marker, or summary lines after the kept content.
      expect(
        NOTE.test(line) || MARKER.test(line) || i > lastKept,
        `line ${i + 1}: ${line.slice(0, 120)}`,
      ).toBe(true);
    });
  });

  it('gives back the exact original through the retrieval hash', async () => {
    const { original, output, block, result } = await compressCase(c);
    if (block?.hash === undefined) {
      expect(output).toBe(original);
      return;
    }
    expect(output).toContain(`hash=${block.hash}`);
    expect(result.originals.get(block.hash)).toBe(original);
  });

  if (c.agent === 'codex') {
    it("keeps Codex's header verbatim and stays within Codex's own budget", async () => {
      const { original, output } = await compressCase(c);
      const head = original.slice(0, original.indexOf('\nOutput:\n') + '\nOutput:\n'.length);
      expect(output.startsWith(head)).toBe(true);
      expect(output.length).toBeLessThanOrEqual(BUDGET);
    });
  }
});

describe('agent outputs already shortened by the agent', () => {
  const byName = (name: string): AgentCase => {
    const c = cases.find((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    return c;
  };

  it("leaves Claude Code's persisted-output preview as it is", async () => {
    const { original, output, block } = await compressCase(byName('claude-bash-persisted-preview'));
    expect(block?.action).toBe('agent-preview');
    expect(output).toBe(original);
  });

  it("keeps Claude Code's note about characters it cut from a failed command", async () => {
    const { output } = await compressCase(byName('claude-bash-vitest-failing'));
    expect(output).toMatch(/^\.\.\. \[\d+ characters truncated\] \.\.\.$/m);
    expect(output.startsWith('Exit code 1\n')).toBe(true);
  });

  it("sees the numbered lines under Claude Code's partial-view reminder and keeps the reminder on top", () => {
    const text = readAgentFixture(byName('claude-read-package-lock-partial').file);
    const env = openEnvelope(text);
    expect(env.wrapper).toBe('line-numbered');
    expect(env.head).toMatch(
      /^<system-reminder>\[Truncated: PARTIAL view — showing lines 1-\d+ of \d+ total/,
    );
    expect(env.numbers[0]).toBe(1);
    expect(env.lines[0]).toBe('{');
  });

  it('cuts the whole test log Codex sends to its budget and keeps the failing assertion Codex alone loses', async () => {
    const c = byName('codex-npm-test-failing');
    const alone = readAgentFixture(c.codexAloneFile!);
    expect(alone).not.toContain('AssertionError: expected 0 to be less than 0');
    const { output, block } = await compressCase(c);
    expect(output).toContain('AssertionError: expected 0 to be less than 0');
    expect(block!.tokensAfter).toBeLessThan(block!.tokensBefore * 0.2);
  });

  it('saves at least 80% on a line-numbered test log Claude Code reads', async () => {
    const { block } = await compressCase(byName('claude-read-test-log'));
    expect(block!.tokensAfter).toBeLessThan(block!.tokensBefore * 0.2);
  });
});

describe('ragged agent outputs', () => {
  const codexCase = cases.find((c) => c.agent === 'codex')!;
  const readCase = cases.find((c) => c.shape === 'claude-read')!;
  const header = (exit: number) =>
    `Chunk ID: 5c4c1e\nWall time: 1.2000 seconds\nProcess exited with code ${exit}\nOriginal token count: 9000\nOutput:\n`;
  const asRead = (path: string): AgentCase => ({
    ...readCase,
    call: { name: 'Read', input: { file_path: path } },
  });

  it('leaves a Codex header with no output under it (a command still running) as it is', async () => {
    const text = readAgentFixture('codex-tsc-build.still-running.txt');
    expect(text).toMatch(/Process running with session ID \d+\nOriginal token count: 0\nOutput:\n$/);
    expect(openEnvelope(text).lines).toEqual([]);
    const { output } = await compressCase(codexCase, text);
    expect(output).toBe(text);
  });

  it('keeps tabs inside line-numbered lines and the numbers of the lines it keeps', async () => {
    const body: string[] = [];
    for (let i = 1; i <= 3000; i++) {
      const level = i === 1789 ? 'ERROR' : 'INFO';
      const message =
        i === 1789 ? 'payment\tdeclined\tcode=51' : `GET /api/items/${i % 50}\t200\t${i % 17}ms`;
      body.push(
        `${i}\t2026-11-25T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:00Z\t${level}\t${message}`,
      );
    }
    const text = body.join('\n');
    const { output } = await compressCase(asRead('/var/log/app.log'), text);
    expect(output.length).toBeLessThan(text.length / 5);
    expect(output.split('\n')).toContain(body[1788]);
    for (const line of output.split('\n')) {
      const m = NUMBERED.exec(line);
      if (m) expect(line).toBe(body[Number(m[1]) - 1]);
    }
  });

  it('keeps CRLF line ends on the lines it keeps under a Codex header', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2500; i++)
      lines.push(` ✓ test/unit/case${i}.test.ts > works for input ${i} ${i % 7}ms`);
    lines.splice(
      1300,
      0,
      ' FAIL  test/unit/parser.test.ts > parses CRLF files',
      'AssertionError: expected 3 to be 4',
    );
    const text = `${header(1)}${lines.join('\r\n')}\r\n`;
    const { output } = await compressCase(codexCase, text);
    expect(output.length).toBeLessThanOrEqual(BUDGET);
    expect(output).toContain('AssertionError: expected 3 to be 4\r\n');
    expect(output.startsWith(header(1))).toBe(true);
  });

  it('leaves an empty Read result as it is', async () => {
    const { output, block } = await compressCase(asRead('/tmp/empty.log'), '');
    expect(output).toBe('');
    expect(block?.action).toBe('empty');
  });

  it('cuts one huge Codex output line to the budget, header first, and can give it back', async () => {
    const text = `${header(0)}${JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `pkg-${i}` })))}\n`;
    const { output, block, result } = await compressCase(codexCase, text);
    expect(output.length).toBeLessThanOrEqual(BUDGET);
    expect(output.startsWith(header(0))).toBe(true);
    expect(result.originals.get(block!.hash!)).toBe(text);
  });
});
