import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import { RESPONSES_RETRIEVE_TOOL } from '../retrieval-tool.js';
import { SAMPLE_TOOL_OUTPUT } from '../validate-setup.js';
import {
  appendRetrieveTool,
  declaresTools,
  isJson,
  type Json,
  type RetrievalCall,
  type WireProtocol,
} from './protocol.js';

/** Output items the caller must act on; anything else (web search, MCP calls) the provider ran itself. */
const CLIENT_CALLS = new Set([
  'function_call',
  'custom_tool_call',
  'local_shell_call',
  'computer_call',
  'shell_call',
  'apply_patch_call',
  'mcp_approval_request',
]);

function retrievalCall(item: unknown): RetrievalCall | undefined {
  if (!isJson(item) || item.type !== 'function_call' || item.name !== RETRIEVE_TOOL) return undefined;
  return typeof item.call_id === 'string' ? { id: item.call_id, input: item.arguments } : undefined;
}

const outputItem = (id: string, text: string): Json => ({
  type: 'function_call_output',
  call_id: id,
  output: text,
});

function asItems(input: unknown): unknown[] {
  if (Array.isArray(input)) return input;
  return typeof input === 'string' ? [{ role: 'user', content: input }] : [];
}

/** OpenAI Responses API (`POST /responses`). */
export const responsesProtocol: WireProtocol = {
  retrieveTool: RESPONSES_RETRIEVE_TOOL,
  sample: {
    model: 'gpt-4o',
    input: [
      { role: 'user', content: 'Which job failed?' },
      { type: 'function_call', call_id: 'call_dry', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_dry', output: SAMPLE_TOOL_OUTPUT },
    ],
  },
  expected: 'a POST to …/responses whose body has an `input` array',
  items: (body) => (Array.isArray(body.input) ? body.input : undefined),
  withItems: (body, items) => ({ ...body, input: items }),
  hasTools: declaresTools,
  withRetrieveTool: (body) => appendRetrieveTool(body, RESPONSES_RETRIEVE_TOOL, (t) => t.name),
  answerCalls(items, answer) {
    const calls = new Map<string, RetrievalCall>();
    for (const item of items) {
      const call = retrievalCall(item);
      if (call) calls.set(call.id, call);
    }
    if (calls.size === 0) return items;
    const answered = new Set<string>();
    const out: unknown[] = items.map((item) => {
      if (!isJson(item) || item.type !== 'function_call_output' || typeof item.call_id !== 'string')
        return item;
      const call = calls.get(item.call_id);
      if (!call) return item;
      answered.add(call.id);
      return outputItem(call.id, answer(call));
    });
    for (let i = out.length - 1; i >= 0; i--) {
      const call = retrievalCall(out[i]);
      if (!call || answered.has(call.id)) continue;
      // After the run of parallel calls this one belongs to, before their outputs.
      let at = i + 1;
      while (at < out.length && isJson(out[at]) && CLIENT_CALLS.has((out[at] as Json).type as string))
        at += 1;
      // A call at the very end has no results yet: the caller is still building the conversation.
      if (at === out.length) continue;
      out.splice(at, 0, outputItem(call.id, answer(call)));
    }
    return out;
  },
  pendingRetrievals(response) {
    if (response.status !== 'completed' || !Array.isArray(response.output)) return undefined;
    const calls: RetrievalCall[] = [];
    for (const item of response.output) {
      const call = retrievalCall(item);
      if (call) calls.push(call);
      else if (isJson(item) && CLIENT_CALLS.has(item.type as string)) return undefined;
    }
    return calls.length > 0 ? calls : undefined;
  },
  continuation(body, response, answers) {
    const output = Array.isArray(response.output) ? response.output : [];
    const results: Json[] = [];
    for (const item of output) {
      const call = retrievalCall(item);
      if (call) results.push(outputItem(call.id, answers.get(call.id) ?? ''));
    }
    // Server-side state already holds the model's turn; otherwise the whole conversation is sent again.
    if (body.conversation !== undefined && body.conversation !== null) return { ...body, input: results };
    if (typeof body.previous_response_id === 'string' && typeof response.id === 'string') {
      return { ...body, previous_response_id: response.id, input: results };
    }
    return { ...body, input: [...asItems(body.input), ...output, ...results] };
  },
};
