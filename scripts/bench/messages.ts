/**
 * Agent-shaped conversations around one tool output: the user asks, the assistant runs a shell command,
 * the tool answers. One builder per provider shape, and a reader that finds the tool output again in
 * whatever `compress()` returns.
 */

export interface OpenAIToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export type OpenAIMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | {
      readonly role: 'assistant';
      readonly content: string | null;
      readonly tool_calls?: readonly OpenAIToolCall[];
    }
  | { readonly role: 'tool'; readonly tool_call_id: string; readonly content: unknown };

export type AnthropicBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly tool_use_id: string; readonly content: unknown };

export interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string | readonly AnthropicBlock[];
}

export const OPENAI_CALL_ID = 'call_bench_0001';
export const ANTHROPIC_CALL_ID = 'toolu_bench_0001';

/** A Responses-API input item, as Codex sends it. */
export type ResponsesItem = Readonly<Record<string, unknown>>;

/**
 * A file as Claude Code's `Read` returns it (2.1.197): every line prefixed with its number and a tab, no
 * padding; a final newline ends the last line rather than opening an empty one.
 */
export function claudeReadText(text: string): string {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => `${i + 1}\t${line}`).join('\n');
}

/**
 * A command's output as Codex 0.169 returns it in a `function_call_output`: its header, then the output
 * (whole, as under `wrap codex`, which lifts Codex's own cut).
 */
export function codexExecText(output: string, exitCode: number): string {
  const header = [
    'Chunk ID: 5e1c0a',
    'Wall time: 0.8412 seconds',
    `Process exited with code ${exitCode}`,
    `Original token count: ${Math.ceil(output.length / 4)}`,
    'Output:',
  ];
  return `${header.join('\n')}\n${output}`;
}

/** Gemini CLI's `run_shell_command` result (0.61), as its `functionResponse.response.output` holds it. */
export function geminiShellText(output: string, exitCode: number): string {
  return `<untrusted_context>\nOutput: ${output}\nExit Code: ${exitCode}\nProcess Group PGID: 48213\n</untrusted_context>`;
}

/**
 * Qwen Code's `run_shell_command` result (0.15), as its `tool` message holds it: with `cut`, under the
 * note Qwen Code writes when it cut the result itself (kept whole under `wrap qwen`, which lifts the cut).
 */
export function qwenShellText(output: string, exitCode: number, command: string, cut = false): string {
  const result = `Command: ${command}\nDirectory: (root)\nOutput: ${output}\nError: (none)\nExit Code: ${exitCode}\nSignal: (none)\nProcess Group PGID: (none)`;
  if (!cut) return result;
  const note = [
    'Tool output was too large and has been truncated.',
    'The full output has been saved to: /home/dev/.qwen/tmp/5f0c9e/run_shell_command_e0d7355fe278.output',
    'To read the complete output, use the read_file tool with the absolute file path above.',
    "The truncated output below shows the beginning and end of the content. The marker '... [CONTENT TRUNCATED] ...' indicates where content was removed.",
    '',
    'Truncated part of the output:',
  ];
  return `${note.join('\n')}\n${result}`;
}

/**
 * opencode's `bash` result (1.18) when it cut the output itself: a note naming the saved file, then the
 * tail it kept (`tail`). A result it did not cut is the raw output, with nothing around it.
 */
export function opencodeCutText(tail: string): string {
  return `...output truncated...\n\nFull output saved to: /home/dev/.local/share/opencode/tool-output/tool_24d406df4001Rv4IFVY6tXRDaK\n\n${tail}`;
}

export function openAIConversation(question: string, command: string, output: string): OpenAIMessage[] {
  return [
    { role: 'system', content: 'You are a coding agent. Use the bash tool to inspect the workspace.' },
    { role: 'user', content: question },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: OPENAI_CALL_ID,
          type: 'function',
          function: { name: 'bash', arguments: JSON.stringify({ command }) },
        },
      ],
    },
    { role: 'tool', tool_call_id: OPENAI_CALL_ID, content: output },
  ];
}

export function anthropicConversation(question: string, command: string, output: string): AnthropicMessage[] {
  return [
    { role: 'user', content: [{ type: 'text', text: question }] },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: ANTHROPIC_CALL_ID, name: 'Bash', input: { command } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: ANTHROPIC_CALL_ID, content: output }] },
  ];
}

/** Claude Code's turn: the question, a `Read` of the file, and its line-numbered result. */
export function claudeReadConversation(
  question: string,
  filePath: string,
  output: string,
): AnthropicMessage[] {
  return [
    { role: 'user', content: [{ type: 'text', text: question }] },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: ANTHROPIC_CALL_ID, name: 'Read', input: { file_path: filePath } }],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: ANTHROPIC_CALL_ID, content: claudeReadText(output) }],
    },
  ];
}

/** Codex's Responses input: the question, an `exec_command` call, and its output under Codex's header. */
export function codexConversation(
  question: string,
  command: string,
  output: string,
  exitCode: number,
): ResponsesItem[] {
  return [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] },
    {
      type: 'function_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: command }),
      call_id: OPENAI_CALL_ID,
    },
    { type: 'function_call_output', call_id: OPENAI_CALL_ID, output: codexExecText(output, exitCode) },
  ];
}

/** The `function_call_output` text after compression, or undefined when the items were altered. */
export function codexToolOutput(items: readonly ResponsesItem[]): string | undefined {
  if (items.length !== 3) return undefined;
  const call = items[1];
  const result = items[2];
  if (call?.type !== 'function_call' || call.call_id !== OPENAI_CALL_ID) return undefined;
  if (result?.type !== 'function_call_output' || result.call_id !== OPENAI_CALL_ID) return undefined;
  return contentText(result.output);
}

/** Tool content may come back as a string or as an array of text parts; both read as one text. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.map((part: unknown) =>
    typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string'
      ? part.text
      : '',
  );
  return parts.join('');
}

/** The tool message's text after compression, or undefined when the shape was broken. */
export function openAIToolOutput(messages: readonly OpenAIMessage[]): string | undefined {
  if (messages.length !== 4) return undefined;
  const last = messages[3];
  const call = messages[2];
  if (last?.role !== 'tool' || last.tool_call_id !== OPENAI_CALL_ID) return undefined;
  if (call?.role !== 'assistant' || call.tool_calls?.[0]?.id !== OPENAI_CALL_ID) return undefined;
  return contentText(last.content);
}

export function anthropicToolOutput(messages: readonly AnthropicMessage[]): string | undefined {
  if (messages.length !== 3) return undefined;
  const blocks = messages[2]?.content;
  if (!Array.isArray(blocks)) return undefined;
  const result = (blocks as readonly AnthropicBlock[])[0];
  if (result?.type !== 'tool_result' || result.tool_use_id !== ANTHROPIC_CALL_ID) return undefined;
  return contentText(result.content);
}

/**
 * What Gemini CLI 0.61 sends of a tool result over its `truncateToolOutputThreshold` (40,000 characters
 * by default): the first 20% and the last 80% of the budget, under a note naming the saved file.
 */
export function geminiCut(text: string, maxChars: number, file: string): string {
  if (text.length <= maxChars) return text;
  const headChars = Math.floor(maxChars * 0.2);
  const tailChars = maxChars - headChars;
  const omitted = text.length - headChars - tailChars;
  const n = (v: number) => v.toLocaleString('en-US');
  return `Output too large. Showing first ${n(headChars)} and last ${n(tailChars)} characters. For full output see: ${file}\n${text.slice(0, headChars)}\n\n... [${n(omitted)} characters omitted] ...\n\n${text.slice(-tailChars)}`;
}

/** A Gemini CLI `contents` array: the question, the `run_shell_command` call, its result. */
export function geminiContents(question: string, command: string, output: string): unknown[] {
  return [
    { role: 'user', parts: [{ text: question }] },
    {
      role: 'model',
      parts: [
        { functionCall: { id: 'run_shell_command_1_0', name: 'run_shell_command', args: { command } } },
      ],
    },
    {
      role: 'user',
      parts: [
        {
          functionResponse: { id: 'run_shell_command_1_0', name: 'run_shell_command', response: { output } },
        },
      ],
    },
  ];
}
