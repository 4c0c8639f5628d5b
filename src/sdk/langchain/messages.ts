import {
  type AIMessage,
  type BaseMessage,
  HumanMessage,
  type MessageContent,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';
import type { RetrievalCall } from '../wire/protocol.js';

/** Where one text of the chat-shaped copy came from: a message, and a content block (-1 for a string content). */
interface Ref {
  readonly message: number;
  readonly block: number;
}

/** The conversation as OpenAI chat messages, and where each of their texts came from. */
export interface Adapted {
  readonly messages: unknown[];
  /** By `${chat message}:${content index}` (-1 for a string content). */
  readonly refs: Map<string, Ref>;
}

const refKey = (message: number, index: number) => `${message}:${index}`;

/** LangChain's name for a message's kind ('human', 'ai', 'system', 'tool', …), read without `instanceof`. */
const kindOf = (m: BaseMessage): string => m.type;

/**
 * The text blocks of a content as chat parts, recording where each came from. Images and other blocks
 * are left out: the core never changes them, and writing back only touches the text blocks it changed.
 */
function chatContent(content: MessageContent, at: number, message: number, refs: Map<string, Ref>) {
  if (typeof content === 'string') {
    refs.set(refKey(at, -1), { message, block: -1 });
    return content;
  }
  const parts: unknown[] = [];
  content.forEach((block, j) => {
    if (typeof block !== 'object' || block === null || block.type !== 'text') return;
    const text = (block as { text?: unknown }).text;
    if (typeof text !== 'string') return;
    refs.set(refKey(at, parts.length), { message, block: j });
    parts.push({ type: 'text', text });
  });
  return parts;
}

/** A message's text, for assistant turns (never compressed, only read for context). */
function plainText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .flatMap((b) => (typeof b === 'object' && b !== null && b.type === 'text' ? [String(b.text ?? '')] : []))
    .join('');
}

/**
 * LangChain messages as OpenAI chat messages, which the compression core understands: tool calls keep
 * their ids and names (so tool outputs get hints), tool messages become `tool` messages. Kinds headroom
 * does not compress (assistant turns, function or generic messages) become assistant turns.
 */
export function toChatShape(messages: readonly BaseMessage[]): Adapted {
  const out: unknown[] = [];
  const refs = new Map<string, Ref>();
  messages.forEach((m, i) => {
    const at = out.length;
    switch (kindOf(m)) {
      case 'system':
        out.push({ role: 'system', content: chatContent(m.content, at, i, refs) });
        return;
      case 'human':
        out.push({ role: 'user', content: chatContent(m.content, at, i, refs) });
        return;
      case 'tool': {
        const tool = m as ToolMessage;
        out.push({
          role: 'tool',
          tool_call_id: tool.tool_call_id,
          ...(tool.name ? { name: tool.name } : {}),
          content: chatContent(m.content, at, i, refs),
        });
        return;
      }
      case 'ai': {
        const calls = ((m as AIMessage).tool_calls ?? []).map((c) => ({
          id: c.id ?? '',
          type: 'function',
          function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) },
        }));
        out.push({
          role: 'assistant',
          content: plainText(m.content),
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        });
        return;
      }
      default:
        out.push({ role: 'assistant', content: '' });
    }
  });
  return { messages: out, refs };
}

/** A copy of `m` (same class, same fields) with another content. */
function withContent(m: BaseMessage, content: MessageContent): BaseMessage {
  const fields = {
    content,
    additional_kwargs: m.additional_kwargs,
    response_metadata: m.response_metadata,
    ...(m.name === undefined ? {} : { name: m.name }),
    ...(m.id === undefined ? {} : { id: m.id }),
  };
  switch (kindOf(m)) {
    case 'tool': {
      const tool = m as ToolMessage;
      return new ToolMessage({
        ...fields,
        tool_call_id: tool.tool_call_id,
        ...(tool.status === undefined ? {} : { status: tool.status }),
        ...(tool.artifact === undefined ? {} : { artifact: tool.artifact }),
      });
    }
    case 'human':
      return new HumanMessage(fields);
    case 'system':
      return new SystemMessage(fields);
    default:
      return m;
  }
}

/** The messages with every text the core changed in `compressed` (the chat-shaped copy) written back. */
export function fromChatShape(
  messages: readonly BaseMessage[],
  adapted: Adapted,
  compressed: readonly unknown[],
): BaseMessage[] {
  const contents = new Map<number, MessageContent>();
  const set = (ref: Ref, text: string) => {
    if (ref.block === -1) {
      contents.set(ref.message, text);
      return;
    }
    const current = contents.get(ref.message) ?? messages[ref.message]!.content;
    const blocks = (current as Exclude<MessageContent, string>).slice();
    blocks[ref.block] = { ...(blocks[ref.block] as object), text } as unknown as (typeof blocks)[number];
    contents.set(ref.message, blocks);
  };
  compressed.forEach((message, at) => {
    const before = (adapted.messages[at] as { content: unknown }).content;
    const after = (message as { content: unknown }).content;
    if (after === before) return;
    if (typeof after === 'string') {
      const ref = adapted.refs.get(refKey(at, -1));
      if (ref) set(ref, after);
      return;
    }
    if (!Array.isArray(after) || !Array.isArray(before)) return;
    after.forEach((part, k) => {
      const text = (part as { text?: unknown }).text;
      const ref = adapted.refs.get(refKey(at, k));
      if (ref && typeof text === 'string' && part !== before[k]) set(ref, text);
    });
  });
  if (contents.size === 0) return messages.slice();
  return messages.map((m, i) => {
    const content = contents.get(i);
    return content === undefined ? m : withContent(m, content);
  });
}

/** A `headroom_retrieve` call's answer as the tool message that follows the call. */
export const retrievalResult = (call: RetrievalCall, text: string): ToolMessage =>
  new ToolMessage({ content: text, tool_call_id: call.id, name: RETRIEVE_TOOL });

/** The `headroom_retrieve` calls of an assistant turn. */
export function retrievalCalls(message: BaseMessage): RetrievalCall[] {
  if (kindOf(message) !== 'ai') return [];
  return ((message as AIMessage).tool_calls ?? []).flatMap((c) =>
    c.name === RETRIEVE_TOOL && c.id ? [{ id: c.id, input: c.args }] : [],
  );
}

/**
 * Sets the result of every `headroom_retrieve` call in the conversation to `answer(call)`, replacing what
 * the caller put there (an unknown-tool error, for instance) and adding missing ones after the call's other
 * results. Returns the same array when there are no such calls.
 */
export function answerCalls(
  messages: readonly BaseMessage[],
  answer: (call: RetrievalCall) => string,
): readonly BaseMessage[] {
  if (!messages.some((m) => retrievalCalls(m).length > 0)) return messages;
  const out: BaseMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    out.push(m);
    const calls = retrievalCalls(m);
    if (calls.length === 0) continue;
    const byId = new Map(calls.map((c) => [c.id, c]));
    const seen = new Set<string>();
    const at = i;
    while (i + 1 < messages.length && kindOf(messages[i + 1]!) === 'tool') {
      i += 1;
      const result = messages[i] as ToolMessage;
      const call = byId.get(result.tool_call_id);
      if (call && !seen.has(call.id)) {
        seen.add(call.id);
        out.push(retrievalResult(call, answer(call)));
      } else {
        out.push(result);
      }
    }
    // A conversation that ends on the call itself has nothing to answer yet.
    if (at === messages.length - 1) continue;
    for (const call of calls) if (!seen.has(call.id)) out.push(retrievalResult(call, answer(call)));
  }
  return out;
}
