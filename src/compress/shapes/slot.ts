import type { BlockHint } from '../types.js';

/** A path from the messages array down to one string that may be compressed. */
export type Path = readonly (string | number)[];

/** One eligible text in the conversation, with what the router needs to know about it. */
export interface Slot {
  readonly messageIndex: number;
  /** Where it sits: `tool_result`, `tool`, `function_call_output`, `user`, `system`… */
  readonly location: string;
  readonly path: Path;
  readonly text: string;
  readonly hint: BlockHint;
  /** The user's last words before this block (agent-injected reminders excluded by the query parser). */
  readonly userText: string;
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a copy of root with the string at path replaced; only the objects along the path are copied. */
export function setAtPath(root: unknown, path: Path, value: string): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = root.slice();
    copy[key as number] = setAtPath(root[key as number], rest, value);
    return copy;
  }
  const record = root as JsonRecord;
  return { ...record, [key as string]: setAtPath(record[key as string], rest, value) };
}

function firstString(args: JsonRecord, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const v = args[key];
    if (typeof v === 'string' && v.length > 0) return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
  }
  return undefined;
}

/** A tool call's name and arguments, as the call that a later output answers made them. */
export type ToolCall = readonly [name: unknown, args: unknown];

/** What a tool call's name and arguments tell about its output. Arguments may be a JSON string. */
export function hintFromCall(name: unknown, args: unknown): BlockHint {
  let parsed: unknown = args;
  if (typeof args === 'string') {
    try {
      parsed = JSON.parse(args);
    } catch {
      parsed = undefined;
    }
  }
  const a = isRecord(parsed) ? parsed : {};
  const command = firstString(a, ['command', 'cmd', 'script', 'commandLine']);
  const filePath = firstString(a, ['file_path', 'filePath', 'path', 'filename', 'notebook_path']);
  const toolName = typeof name === 'string' ? name : undefined;
  const readRange = /read/i.test(toolName ?? '') && (a.offset !== undefined || a.limit !== undefined);
  return {
    ...(toolName ? { toolName } : {}),
    ...(command ? { command } : {}),
    ...(filePath ? { filePath } : {}),
    ...(readRange ? { readRange } : {}),
  };
}

/** A user's own words as a slot (compressed only when the options ask for it). */
export function userSlot(messageIndex: number, path: Path, text: string, userText: string): Slot {
  return { messageIndex, location: 'user', path, text, hint: {}, userText };
}

/** Text of a content value made of a string or text parts (`text`, `input_text`). */
export function plainText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (
      isRecord(part) &&
      (part.type === 'text' || part.type === 'input_text') &&
      typeof part.text === 'string'
    ) {
      parts.push(part.text);
    }
  }
  return parts.join('\n');
}

/**
 * Slots for a content value that is a string or an array of text parts. `textTypes` names the part
 * types that carry text in this API.
 */
export function textSlots(
  content: unknown,
  base: Omit<Slot, 'path' | 'text'>,
  path: Path,
  textTypes: readonly string[],
): Slot[] {
  if (typeof content === 'string') return [{ ...base, path, text: content }];
  if (!Array.isArray(content)) return [];
  const slots: Slot[] = [];
  content.forEach((part, k) => {
    if (isRecord(part) && textTypes.includes(part.type as string) && typeof part.text === 'string') {
      slots.push({ ...base, path: [...path, k, 'text'], text: part.text });
    }
  });
  return slots;
}
