import type { LanguageModelMiddleware } from 'ai';
import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';

import type { RetrievalCall } from '../wire/protocol.js';

/** The AI SDK's model-level types, taken from `ai` so no other package is needed. */
export type CallOptions = Parameters<NonNullable<LanguageModelMiddleware['transformParams']>>[0]['params'];
export type Prompt = CallOptions['prompt'];
type Message = Prompt[number];
type ToolMessage = Extract<Message, { role: 'tool' }>;
type ToolResultPart = Extract<ToolMessage['content'][number], { type: 'tool-result' }>;
type Output = ToolResultPart['output'];

/** Where one text of the chat-shaped copy came from in the prompt. */
type Ref =
  | { readonly kind: 'system'; readonly message: number }
  | { readonly kind: 'user'; readonly message: number; readonly part: number }
  | { readonly kind: 'output'; readonly message: number; readonly part: number }
  | { readonly kind: 'content'; readonly message: number; readonly part: number; readonly item: number };

/** Texts of the chat-shaped copy, by chat message index then content index (-1 for a string content). */
interface Adapted {
  readonly messages: unknown[];
  readonly refs: Map<string, Ref>;
}

const refKey = (message: number, index: number) => `${message}:${index}`;

/** The text a provider would send for a tool output, or undefined when it carries none to compress. */
function outputText(output: Output): string | undefined {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      // Compact, as providers serialise it: counting pretty-printed JSON would overstate the savings.
      return JSON.stringify(output.value);
    default:
      return undefined;
  }
}

/**
 * The prompt as OpenAI chat messages, which the compression core understands: tool calls keep their
 * ids and names (so outputs get hints), tool results become `tool` messages, one per result.
 */
export function toChatShape(prompt: Prompt): Adapted {
  const messages: unknown[] = [];
  const refs = new Map<string, Ref>();
  prompt.forEach((message, i) => {
    if (message.role === 'system') {
      refs.set(refKey(messages.length, -1), { kind: 'system', message: i });
      messages.push({ role: 'system', content: message.content });
    } else if (message.role === 'user') {
      const content: unknown[] = [];
      message.content.forEach((part, j) => {
        if (part.type !== 'text') return;
        refs.set(refKey(messages.length, content.length), { kind: 'user', message: i, part: j });
        content.push({ type: 'text', text: part.text });
      });
      messages.push({ role: 'user', content });
    } else if (message.role === 'assistant') {
      const text = message.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
      const calls = message.content.flatMap((p) =>
        p.type === 'tool-call'
          ? [
              {
                id: p.toolCallId,
                type: 'function',
                function: { name: p.toolName, arguments: JSON.stringify(p.input ?? {}) },
              },
            ]
          : [],
      );
      messages.push({ role: 'assistant', content: text, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    } else {
      message.content.forEach((part, j) => {
        if (part.type !== 'tool-result') return;
        const at = messages.length;
        if (part.output.type === 'content') {
          const content: unknown[] = [];
          part.output.value.forEach((item, k) => {
            if (item.type !== 'text') return;
            refs.set(refKey(at, content.length), { kind: 'content', message: i, part: j, item: k });
            content.push({ type: 'text', text: item.text });
          });
          messages.push({ role: 'tool', tool_call_id: part.toolCallId, name: part.toolName, content });
          return;
        }
        const text = outputText(part.output);
        if (text !== undefined) refs.set(refKey(at, -1), { kind: 'output', message: i, part: j });
        messages.push({
          role: 'tool',
          tool_call_id: part.toolCallId,
          name: part.toolName,
          content: text ?? '',
        });
      });
    }
  });
  return { messages, refs };
}

function textOutput(old: Output, value: string): Output {
  const error = old.type === 'error-text' || old.type === 'error-json';
  const base = { type: error ? 'error-text' : 'text', value } as const;
  return 'providerOptions' in old && old.providerOptions !== undefined
    ? { ...base, providerOptions: old.providerOptions }
    : base;
}

/** Writes one compressed text back into a copy of the prompt (only the objects along the way are copied). */
function writeBack(prompt: Prompt, ref: Ref, text: string): Prompt {
  const out = prompt.slice();
  const message = out[ref.message]!;
  if (ref.kind === 'system' && message.role === 'system') {
    out[ref.message] = { ...message, content: text };
  } else if (ref.kind === 'user' && message.role === 'user') {
    const content = message.content.slice();
    content[ref.part] = {
      ...(content[ref.part] as Extract<(typeof content)[number], { type: 'text' }>),
      text,
    };
    out[ref.message] = { ...message, content };
  } else if ((ref.kind === 'output' || ref.kind === 'content') && message.role === 'tool') {
    const content = message.content.slice();
    const part = content[ref.part] as ToolResultPart;
    let output: Output;
    if (ref.kind === 'content' && part.output.type === 'content') {
      const value = part.output.value.slice();
      value[ref.item] = { ...(value[ref.item] as Extract<(typeof value)[number], { type: 'text' }>), text };
      output = { ...part.output, value };
    } else {
      output = textOutput(part.output, text);
    }
    content[ref.part] = { ...part, output };
    out[ref.message] = { ...message, content };
  }
  return out;
}

/** The prompt with every text the core changed in `compressed` (the chat-shaped copy) written back. */
export function fromChatShape(prompt: Prompt, adapted: Adapted, compressed: readonly unknown[]): Prompt {
  let out = prompt;
  compressed.forEach((message, m) => {
    const before = adapted.messages[m] as { content: unknown };
    const after = (message as { content: unknown }).content;
    if (after === before.content) return;
    if (typeof after === 'string') {
      const ref = adapted.refs.get(refKey(m, -1));
      if (ref) out = writeBack(out, ref, after);
      return;
    }
    if (!Array.isArray(after) || !Array.isArray(before.content)) return;
    after.forEach((part, k) => {
      const text = (part as { text?: unknown }).text;
      const ref = adapted.refs.get(refKey(m, k));
      if (ref && typeof text === 'string' && part !== (before.content as unknown[])[k])
        out = writeBack(out, ref, text);
    });
  });
  return out;
}

function retrievalCalls(message: Message): RetrievalCall[] {
  if (message.role !== 'assistant') return [];
  return message.content.flatMap((p) =>
    p.type === 'tool-call' && p.toolName === RETRIEVE_TOOL ? [{ id: p.toolCallId, input: p.input }] : [],
  );
}

const resultPart = (call: RetrievalCall, text: string): ToolResultPart => ({
  type: 'tool-result',
  toolCallId: call.id,
  toolName: RETRIEVE_TOOL,
  output: { type: 'text', value: text },
});

/**
 * Sets the result of every `headroom_retrieve` call to `answer(call)`, replacing whatever the SDK put
 * there (an unknown-tool error, for instance) and adding missing ones. Same prompt back when there are none.
 */
export function answerPromptCalls(prompt: Prompt, answer: (call: RetrievalCall) => string): Prompt {
  let out: Prompt | undefined;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const calls = retrievalCalls(prompt[i]!);
    if (calls.length === 0 || i === prompt.length - 1) continue;
    out ??= prompt.slice();
    const byId = new Map(calls.map((c) => [c.id, c]));
    const next = out[i + 1]!;
    const seen = new Set<string>();
    const content: ToolMessage['content'] =
      next.role !== 'tool'
        ? []
        : next.content.map((part) => {
            const call = part.type === 'tool-result' ? byId.get(part.toolCallId) : undefined;
            if (!call) return part;
            seen.add(call.id);
            return resultPart(call, answer(call));
          });
    content.push(...calls.filter((c) => !seen.has(c.id)).map((c) => resultPart(c, answer(c))));
    if (next.role === 'tool') out[i + 1] = { ...next, content };
    else out.splice(i + 1, 0, { role: 'tool', content });
  }
  return out ?? prompt;
}
