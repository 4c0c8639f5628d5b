import { hintFromCall, isRecord, plainText, type Slot, type ToolCall, textSlots } from './slot.js';

const OUTPUT_TEXT = ['input_text', 'output_text', 'text'];
const INPUT_TEXT = ['input_text', 'text'];
const OUTPUT_ITEMS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

/** Tool-call outputs, and user/system text when asked, in Responses-API input items. */
export function responsesSlots(
  items: readonly unknown[],
  includeUser: boolean,
  includeSystem: boolean,
  from = 0,
): Slot[] {
  const calls = new Map<string, ToolCall>();
  const slots: Slot[] = [];
  let userText = '';
  items.forEach((item, i) => {
    if (!isRecord(item)) return;
    const type = item.type ?? 'message';
    const callId = typeof item.call_id === 'string' ? item.call_id : undefined;
    const emit = i >= from;
    if (type === 'function_call' && callId) {
      calls.set(callId, [item.name, item.arguments]);
    } else if (type === 'custom_tool_call' && callId) {
      calls.set(callId, [item.name, item.input]);
    } else if (type === 'local_shell_call' && callId && isRecord(item.action)) {
      calls.set(callId, ['local_shell', item.action]);
    } else if (typeof type === 'string' && OUTPUT_ITEMS.has(type)) {
      if (!emit) return;
      const call = callId ? calls.get(callId) : undefined;
      const hint = call ? hintFromCall(...call) : {};
      slots.push(
        ...textSlots(
          item.output,
          { messageIndex: i, location: type, hint, userText },
          [i, 'output'],
          OUTPUT_TEXT,
        ),
      );
    } else if (type === 'message') {
      const base = { messageIndex: i, hint: {}, userText };
      if (item.role === 'user') {
        if (includeUser && emit)
          slots.push(...textSlots(item.content, { ...base, location: 'user' }, [i, 'content'], INPUT_TEXT));
        userText = plainText(item.content);
      } else if ((item.role === 'system' || item.role === 'developer') && includeSystem && emit) {
        slots.push(...textSlots(item.content, { ...base, location: 'system' }, [i, 'content'], INPUT_TEXT));
      }
    }
  });
  return slots;
}
