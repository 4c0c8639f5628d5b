/**
 * Budget mode for the agents whose shell outputs arrive in OpenAI chat `tool` messages: Qwen Code's (in
 * its shell envelope) and opencode's (`bash`, raw, no envelope: held to the budget only when the options
 * name the tool). The 5,000-line log each agent lost the failing assertion of when it cut it itself.
 */
import { describe, expect, it } from 'vitest';
import { openAIConversation, qwenShellText } from '../../scripts/bench/messages.js';
import { compressMessages } from '../../src/compress/compress.js';
import type { CompressOptions } from '../../src/compress/options.js';
import { LONG_LOG_ASSERTION, longFailingLog } from '../helpers/outputs.js';

const LOG = longFailingLog();
const QUESTION = 'Run the tests and tell me which one fails and why.';
const COMMAND = 'npm test';

/** Qwen Code's turn: the shell call, and its result as a list of text parts, as Qwen Code 0.15 sends it. */
function qwenConversation(output: string) {
  const messages = openAIConversation(QUESTION, COMMAND, '');
  const call = { id: 'call_q1', type: 'function', function: { name: 'run_shell_command', arguments: '{}' } };
  return [
    ...messages.slice(0, 2),
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { ...call, function: { ...call.function, arguments: JSON.stringify({ command: COMMAND }) } },
      ],
    },
    {
      role: 'tool',
      tool_call_id: 'call_q1',
      content: [{ type: 'text', text: qwenShellText(output, 1, COMMAND) }],
    },
  ];
}

async function sent(messages: unknown[], options: Partial<CompressOptions>): Promise<string> {
  const result = await compressMessages(messages, { model: 'gpt-5', ...options });
  const last = (result.messages as { content: unknown }[]).at(-1)!.content;
  return typeof last === 'string' ? last : (last as { text: string }[]).map((p) => p.text).join('');
}

describe('shell output budget on chat completions', () => {
  it('holds Qwen Code’s shell result to the budget, envelope whole, the failing assertion kept', async () => {
    const text = await sent(qwenConversation(LOG), { toolOutputBudget: 25_000 });
    expect(text.length).toBeLessThanOrEqual(25_000);
    expect(text.startsWith(`Command: ${COMMAND}\nDirectory: (root)\nOutput: `)).toBe(true);
    expect(text.endsWith('\nError: (none)\nExit Code: 1\nSignal: (none)\nProcess Group PGID: (none)')).toBe(
      true,
    );
    expect(text).toContain(`\n${LONG_LOG_ASSERTION}\n`);
    expect(text).toMatch(/headroom_retrieve hash=[0-9a-f]+/);
  });

  it('holds opencode’s raw bash output to the budget only where the options name the tool', async () => {
    const conversation = openAIConversation(QUESTION, COMMAND, LOG);
    const budgeted = await sent(conversation, { toolOutputBudget: 51_200, shellTools: ['bash'] });
    expect(budgeted.length).toBeLessThanOrEqual(51_200);
    expect(budgeted).toContain(`\n${LONG_LOG_ASSERTION}\n`);
    expect(budgeted).toMatch(/headroom_retrieve hash=[0-9a-f]+/);

    // Without the tool named, a raw output has nothing that says it is shell output: compressed, unheld.
    const unnamed = await sent(conversation, { toolOutputBudget: 1_000 });
    expect(unnamed.length).toBeGreaterThan(1_000);
    expect(unnamed).toContain(`\n${LONG_LOG_ASSERTION}\n`);
    // Nor is another tool's raw output held to the shell budget.
    const other = openAIConversation(QUESTION, COMMAND, LOG).map((m) =>
      m.role === 'assistant' && m.tool_calls
        ? { ...m, tool_calls: [{ ...m.tool_calls[0]!, function: { name: 'read', arguments: '{}' } }] }
        : m,
    );
    expect((await sent(other, { toolOutputBudget: 1_000, shellTools: ['bash'] })).length).toBeGreaterThan(
      1_000,
    );
  });

  it('holds opencode’s bash output of `cat -n` (line-numbered) to the budget too, code included', async () => {
    const numbered = (text: string) =>
      text
        .split('\n')
        .map((line, i) => `${String(i + 1).padStart(6)}\t${line}`)
        .join('\n');
    const options = { toolOutputBudget: 51_200, shellTools: ['bash'] };
    const log = await sent(openAIConversation(QUESTION, 'cat -n npm-test.log', numbered(LOG)), options);
    expect(log.length).toBeLessThanOrEqual(51_200);
    expect(log).toContain(LONG_LOG_ASSERTION);
    // A source file printed whole stays whole as a read would, but never past what opencode would send.
    const code = Array.from(
      { length: 3_000 },
      (_, i) => `export function step${i}(value: number): number {\n  return value + ${i};\n}\n`,
    ).join('\n');
    const source = await sent(openAIConversation(QUESTION, 'cat -n src/steps.ts', numbered(code)), options);
    expect(source.length).toBeLessThanOrEqual(51_200);
    expect(source.startsWith(`     1\texport function step0(`)).toBe(true);
  });

  it('refuses a shellTools option that is not a list of names', async () => {
    await expect(compressMessages([], { model: 'gpt-5', shellTools: 'bash' as never })).rejects.toThrow(
      /shellTools/,
    );
  });
});
