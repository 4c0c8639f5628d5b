import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import { OPENAI_CHAT_RETRIEVE_TOOL } from '../retrieval-tool.js';
import { SAMPLE_TOOL_OUTPUT } from '../validate-setup.js';
import {
  appendRetrieveTool,
  declaresTools,
  isJson,
  type Json,
  type RetrievalCall,
  type WireProtocol,
} from './protocol.js';

function retrievalCalls(toolCalls: unknown): RetrievalCall[] {
  if (!Array.isArray(toolCalls)) return [];
  const calls: RetrievalCall[] = [];
  for (const call of toolCalls) {
    if (
      isJson(call) &&
      typeof call.id === 'string' &&
      isJson(call.function) &&
      call.function.name === RETRIEVE_TOOL
    ) {
      calls.push({ id: call.id, input: call.function.arguments });
    }
  }
  return calls;
}

const toolMessage = (id: string, text: string): Json => ({ role: 'tool', tool_call_id: id, content: text });

/** OpenAI Chat Completions (`POST /chat/completions`). */
export const openaiChatProtocol: WireProtocol = {
  retrieveTool: OPENAI_CHAT_RETRIEVE_TOOL,
  sample: {
    model: 'gpt-4o',
    messages: [
      { role: 'user', content: 'Which job failed?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_dry', type: 'function', function: { name: 'shell', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_dry', content: SAMPLE_TOOL_OUTPUT },
    ],
  },
  expected: 'a POST to …/chat/completions whose body has a `messages` array',
  items: (body) => (Array.isArray(body.messages) ? body.messages : undefined),
  withItems: (body, items) => ({ ...body, messages: items }),
  hasTools: declaresTools,
  withRetrieveTool: (body) =>
    appendRetrieveTool(body, OPENAI_CHAT_RETRIEVE_TOOL, (t) =>
      isJson(t.function) ? t.function.name : undefined,
    ),
  answerCalls(items, answer) {
    let out: unknown[] | undefined;
    for (let i = items.length - 1; i >= 0; i--) {
      const message = items[i];
      if (!isJson(message) || message.role !== 'assistant') continue;
      const calls = retrievalCalls(message.tool_calls);
      // A last turn has no results yet to answer (the caller is still building the conversation).
      if (calls.length === 0 || i === items.length - 1) continue;
      out ??= items.slice();
      const byId = new Map(calls.map((c) => [c.id, c]));
      const seen = new Set<string>();
      let j = i + 1;
      for (; j < out.length; j++) {
        const next = out[j];
        if (!isJson(next) || next.role !== 'tool') break;
        const call = typeof next.tool_call_id === 'string' ? byId.get(next.tool_call_id) : undefined;
        if (!call) continue;
        seen.add(call.id);
        out[j] = toolMessage(call.id, answer(call));
      }
      out.splice(j, 0, ...calls.filter((c) => !seen.has(c.id)).map((c) => toolMessage(c.id, answer(c))));
    }
    return out ?? items;
  },
  pendingRetrievals(response) {
    const choices = Array.isArray(response.choices) ? response.choices : [];
    const choice = choices[0];
    if (choices.length !== 1 || !isJson(choice) || !isJson(choice.message)) return undefined;
    const all = Array.isArray(choice.message.tool_calls) ? choice.message.tool_calls : [];
    const calls = retrievalCalls(all);
    return calls.length > 0 && calls.length === all.length ? calls : undefined;
  },
  continuation(body, response, answers) {
    const items = Array.isArray(body.messages) ? body.messages : [];
    const choice = (response.choices as Json[])[0]!;
    const message = choice.message as Json;
    const calls = retrievalCalls(message.tool_calls);
    const assistant = { role: 'assistant', content: message.content ?? null, tool_calls: message.tool_calls };
    return {
      ...body,
      messages: [...items, assistant, ...calls.map((c) => toolMessage(c.id, answers.get(c.id) ?? ''))],
    };
  },
};
