import { hintFromCall, isRecord, type Slot, type ToolCall, textSlots, userSlot } from './slot.js';

const TEXT = ['text'];

/** Tool results, and user text when asked, in Anthropic messages. Thinking, images, tool_use: never. */
export function anthropicSlots(messages: readonly unknown[], includeUser: boolean, from = 0): Slot[] {
  const calls = new Map<string, ToolCall>();
  const slots: Slot[] = [];
  let userText = '';
  messages.forEach((message, i) => {
    if (!isRecord(message)) return;
    const { role, content } = message;
    if (role === 'assistant' && Array.isArray(content)) {
      for (const block of content) {
        if (isRecord(block) && block.type === 'tool_use' && typeof block.id === 'string') {
          calls.set(block.id, [block.name, block.input]);
        }
      }
      return;
    }
    if (role !== 'user') return;
    const emit = i >= from;
    if (typeof content === 'string') {
      if (includeUser && emit) slots.push(userSlot(i, [i, 'content'], content, userText));
      userText = content;
      return;
    }
    if (!Array.isArray(content)) return;
    const ownText: string[] = [];
    content.forEach((block, j) => {
      if (!isRecord(block)) return;
      if (block.type === 'tool_result') {
        if (!emit) return;
        const call = typeof block.tool_use_id === 'string' ? calls.get(block.tool_use_id) : undefined;
        const hint = call ? hintFromCall(...call) : {};
        const base = { messageIndex: i, location: 'tool_result', hint, userText };
        slots.push(...textSlots(block.content, base, [i, 'content', j, 'content'], TEXT));
      } else if (block.type === 'text' && typeof block.text === 'string') {
        if (includeUser && emit) slots.push(userSlot(i, [i, 'content', j, 'text'], block.text, userText));
        ownText.push(block.text);
      }
    });
    const said = ownText.join('\n').trim();
    // Claude Code's tool-result turns carry only reminders; the question stays the last real prompt.
    if (said.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim().length > 0) userText = said;
  });
  return slots;
}
