import { hintFromCall, isRecord, plainText, type Slot, type ToolCall, textSlots } from './slot.js';

const TEXT = ['text'];

/** Tool messages, and user/system text when asked, in OpenAI chat messages. */
export function openaiChatSlots(
  messages: readonly unknown[],
  includeUser: boolean,
  includeSystem: boolean,
  from = 0,
): Slot[] {
  const calls = new Map<string, ToolCall>();
  const slots: Slot[] = [];
  let userText = '';
  messages.forEach((message, i) => {
    if (!isRecord(message)) return;
    const { role, content } = message;
    const emit = i >= from;
    const base = { messageIndex: i, hint: {}, userText };
    if (role === 'assistant') {
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          if (isRecord(call) && typeof call.id === 'string' && isRecord(call.function)) {
            calls.set(call.id, [call.function.name, call.function.arguments]);
          }
        }
      }
    } else if ((role === 'tool' || role === 'function') && emit) {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : undefined;
      const call = id ? calls.get(id) : undefined;
      const hint = call
        ? hintFromCall(...call)
        : typeof message.name === 'string'
          ? { toolName: message.name }
          : {};
      slots.push(...textSlots(content, { ...base, location: 'tool', hint }, [i, 'content'], TEXT));
    } else if (role === 'user') {
      if (includeUser && emit)
        slots.push(...textSlots(content, { ...base, location: 'user' }, [i, 'content'], TEXT));
      userText = plainText(content);
    } else if ((role === 'system' || role === 'developer') && includeSystem && emit) {
      slots.push(...textSlots(content, { ...base, location: 'system' }, [i, 'content'], TEXT));
    }
  });
  return slots;
}
