import type { BlockHint } from '../types.js';
import { hintFromCall, isRecord, plainText, type Slot, textSlots } from './slot.js';

const TEXT = ['text'];

/** Tool messages, and user/system text when asked, in OpenAI chat messages. */
export function openaiChatSlots(
  messages: readonly unknown[],
  includeUser: boolean,
  includeSystem: boolean,
): Slot[] {
  const calls = new Map<string, BlockHint>();
  const slots: Slot[] = [];
  let userText = '';
  messages.forEach((message, i) => {
    if (!isRecord(message)) return;
    const { role, content } = message;
    const base = { messageIndex: i, hint: {}, userText };
    if (role === 'assistant') {
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          if (isRecord(call) && typeof call.id === 'string' && isRecord(call.function)) {
            calls.set(call.id, hintFromCall(call.function.name, call.function.arguments));
          }
        }
      }
    } else if (role === 'tool' || role === 'function') {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : undefined;
      const hint =
        (id && calls.get(id)) || (typeof message.name === 'string' ? { toolName: message.name } : {});
      slots.push(...textSlots(content, { ...base, location: 'tool', hint }, [i, 'content'], TEXT));
    } else if (role === 'user') {
      if (includeUser) slots.push(...textSlots(content, { ...base, location: 'user' }, [i, 'content'], TEXT));
      userText = plainText(content);
    } else if ((role === 'system' || role === 'developer') && includeSystem) {
      slots.push(...textSlots(content, { ...base, location: 'system' }, [i, 'content'], TEXT));
    }
  });
  return slots;
}
