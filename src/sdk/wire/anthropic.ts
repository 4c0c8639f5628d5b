import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import { ANTHROPIC_RETRIEVE_TOOL } from '../retrieval-tool.js';
import { SAMPLE_TOOL_OUTPUT } from '../validate-setup.js';
import {
  appendRetrieveTool,
  declaresTools,
  isJson,
  type Json,
  type RetrievalCall,
  type WireProtocol,
} from './protocol.js';

function retrievalCalls(message: unknown): RetrievalCall[] {
  if (!isJson(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return [];
  const calls: RetrievalCall[] = [];
  for (const block of message.content) {
    if (
      isJson(block) &&
      block.type === 'tool_use' &&
      block.name === RETRIEVE_TOOL &&
      typeof block.id === 'string'
    ) {
      calls.push({ id: block.id, input: block.input });
    }
  }
  return calls;
}

function result(id: string, text: string, old?: Json): Json {
  return {
    type: 'tool_result',
    tool_use_id: id,
    content: text,
    ...(old?.cache_control === undefined ? {} : { cache_control: old.cache_control }),
  };
}

/** The user turn after an assistant turn, with headroom's results answered and missing ones added first. */
function answeredTurn(
  next: unknown,
  calls: readonly RetrievalCall[],
  answer: (call: RetrievalCall) => string,
): Json {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const blocks: unknown[] = !isJson(next)
    ? []
    : typeof next.content === 'string'
      ? [{ type: 'text', text: next.content }]
      : Array.isArray(next.content)
        ? next.content
        : [];
  const seen = new Set<string>();
  const content = blocks.map((block) => {
    if (!isJson(block) || block.type !== 'tool_result' || typeof block.tool_use_id !== 'string') return block;
    const call = byId.get(block.tool_use_id);
    if (!call) return block;
    seen.add(call.id);
    return result(call.id, answer(call), block);
  });
  const missing = calls.filter((c) => !seen.has(c.id)).map((c) => result(c.id, answer(c)));
  // Tool results must lead the user turn, so added ones go after the existing leading results.
  let at = 0;
  while (at < content.length && isJson(content[at]) && (content[at] as Json).type === 'tool_result') at += 1;
  content.splice(at, 0, ...missing);
  return isJson(next) ? { ...next, content } : { role: 'user', content };
}

/** Anthropic Messages API (`POST /v1/messages`). */
export const anthropicProtocol: WireProtocol = {
  retrieveTool: ANTHROPIC_RETRIEVE_TOOL,
  sample: {
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    messages: [
      { role: 'user', content: 'Which job failed?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_dry', name: 'Bash', input: {} }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_dry', content: SAMPLE_TOOL_OUTPUT }],
      },
    ],
  },
  expected: 'a POST to …/v1/messages whose body has a `messages` array',
  items: (body) => (Array.isArray(body.messages) ? body.messages : undefined),
  withItems: (body, items) => ({ ...body, messages: items }),
  hasTools: declaresTools,
  withRetrieveTool: (body) => appendRetrieveTool(body, ANTHROPIC_RETRIEVE_TOOL, (t) => t.name),
  answerCalls(items, answer) {
    let out: unknown[] | undefined;
    // From the end, so an inserted user turn does not shift the turns still to visit.
    for (let i = items.length - 1; i >= 0; i--) {
      const calls = retrievalCalls(items[i]);
      if (calls.length === 0 || i === items.length - 1) continue;
      out ??= items.slice();
      const next = out[i + 1];
      const turn = answeredTurn(isJson(next) && next.role === 'user' ? next : undefined, calls, answer);
      if (isJson(next) && next.role === 'user') out[i + 1] = turn;
      else out.splice(i + 1, 0, turn);
    }
    return out ?? items;
  },
  pendingRetrievals(response) {
    if (response.stop_reason !== 'tool_use' || !Array.isArray(response.content)) return undefined;
    const calls = retrievalCalls({ role: 'assistant', content: response.content });
    const others = response.content.filter((b) => isJson(b) && b.type === 'tool_use').length - calls.length;
    return calls.length > 0 && others === 0 ? calls : undefined;
  },
  continuation(body, response, answers) {
    const items = Array.isArray(body.messages) ? body.messages : [];
    const calls = retrievalCalls({ role: 'assistant', content: response.content });
    const results = calls.map((c) => result(c.id, answers.get(c.id) ?? ''));
    return {
      ...body,
      messages: [
        ...items,
        { role: 'assistant', content: response.content },
        { role: 'user', content: results },
      ],
    };
  },
};
