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
