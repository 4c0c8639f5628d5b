import { anthropicSlots } from './anthropic.js';
import { geminiSlots } from './gemini.js';
import { openaiChatSlots } from './openai-chat.js';
import { responsesSlots } from './responses.js';
import { isRecord, type Slot } from './slot.js';

export type { Path, Slot } from './slot.js';
export { setAtPath } from './slot.js';

export type MessageShape = 'anthropic' | 'openai-chat' | 'responses' | 'gemini';

const RESPONSES_TYPES = new Set([
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'local_shell_call',
  'local_shell_call_output',
  'reasoning',
  'message',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'file_search_call',
  'item_reference',
]);
const ANTHROPIC_BLOCKS = new Set([
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'document',
  'server_tool_use',
  'web_search_tool_result',
]);

/** Tells the four message shapes apart by what only each of them has (Gemini: `parts`, no `content`). */
export function detectShape(messages: readonly unknown[]): MessageShape {
  let anthropic = false;
  for (const m of messages) {
    if (!isRecord(m)) continue;
    if (Array.isArray(m.parts) && m.content === undefined) return 'gemini';
    if (typeof m.type === 'string' && RESPONSES_TYPES.has(m.type)) return 'responses';
    if (m.role === 'tool' || m.role === 'function' || Array.isArray(m.tool_calls)) return 'openai-chat';
    if (Array.isArray(m.content)) {
      for (const block of m.content) {
        if (!isRecord(block)) continue;
        if (block.type === 'input_text' || block.type === 'output_text') return 'responses';
        if (typeof block.type === 'string' && ANTHROPIC_BLOCKS.has(block.type)) anthropic = true;
        if (block.type === 'image' && isRecord(block.source)) anthropic = true;
      }
    }
  }
  return anthropic ? 'anthropic' : 'openai-chat';
}

/**
 * The blocks of a conversation that compression may touch, in order. Slots are made for messages from
 * `from` on; the earlier ones are only read for what later slots depend on (tool calls, the question).
 */
export function collectSlots(
  shape: MessageShape,
  messages: readonly unknown[],
  includeUser: boolean,
  includeSystem: boolean,
  from = 0,
): Slot[] {
  if (shape === 'anthropic') return anthropicSlots(messages, includeUser, from);
  if (shape === 'gemini') return geminiSlots(messages, includeUser, from);
  if (shape === 'responses') return responsesSlots(messages, includeUser, includeSystem, from);
  return openaiChatSlots(messages, includeUser, includeSystem, from);
}
