import { hintFromCall, isRecord, type Path, type Slot, type ToolCall, textSlots, userSlot } from './slot.js';

const TEXT = ['text'];

/**
 * The text of a `functionResponse.response`: Gemini CLI sends a tool's result as `{ output }` (its error
 * as `{ error }`, a few words); other callers put it in `content` (a string or text parts), or send the
 * text itself. Anything else in the object (ids, structured fields) is never touched.
 */
function responseSlots(response: unknown, base: Omit<Slot, 'path' | 'text'>, path: Path): Slot[] {
  if (typeof response === 'string') return [{ ...base, path, text: response }];
  if (!isRecord(response)) return [];
  if (typeof response.output === 'string')
    return [{ ...base, path: [...path, 'output'], text: response.output }];
  return textSlots(response.content, base, [...path, 'content'], TEXT);
}

/**
 * Tool results (`functionResponse.response`), and user text when asked, in Gemini `contents`. The
 * system instruction sits outside `contents` and is never seen here; calls, thoughts, inline and file
 * data: never. A response names its call by `id` when the caller gave one, else by the tool's name.
 */
export function geminiSlots(contents: readonly unknown[], includeUser: boolean, from = 0): Slot[] {
  const byId = new Map<string, ToolCall>();
  const byName = new Map<string, ToolCall>();
  const slots: Slot[] = [];
  let userText = '';
  contents.forEach((content, i) => {
    if (!isRecord(content) || !Array.isArray(content.parts)) return;
    const { parts } = content;
    if (content.role === 'model') {
      for (const part of parts) {
        const call = isRecord(part) && isRecord(part.functionCall) ? part.functionCall : undefined;
        if (!call) continue;
        const pair: ToolCall = [call.name, call.args];
        if (typeof call.id === 'string') byId.set(call.id, pair);
        if (typeof call.name === 'string') byName.set(call.name, pair);
      }
      return;
    }
    const emit = i >= from;
    const ownText: string[] = [];
    parts.forEach((part, j) => {
      if (!isRecord(part) || part.thought === true) return;
      if (isRecord(part.functionResponse)) {
        if (!emit) return;
        const { id, name, response } = part.functionResponse;
        const call =
          (typeof id === 'string' ? byId.get(id) : undefined) ??
          (typeof name === 'string' ? byName.get(name) : undefined);
        const hint = hintFromCall(...(call ?? [name, undefined]));
        const base = { messageIndex: i, location: 'functionResponse', hint, userText };
        slots.push(...responseSlots(response, base, [i, 'parts', j, 'functionResponse', 'response']));
      } else if (typeof part.text === 'string') {
        if (includeUser && emit) slots.push(userSlot(i, [i, 'parts', j, 'text'], part.text, userText));
        ownText.push(part.text);
      }
    });
    const said = ownText.join('\n').trim();
    // A turn of function responses alone says nothing: the question stays the user's last words.
    if (said.length > 0) userText = said;
  });
  return slots;
}
