/**
 * Claude Code saves a Bash output over 30,000 characters to a file and sends only a 2 KB
 * `<persisted-output>` preview naming it. Under `wrap claude` the proxy runs next to the agent, so it can
 * read that file and let the core show the model a view of the whole output instead.
 *
 * A tool output can contain a forged preview naming any file, so a file is read only when every check
 * holds: it lies in one of Claude Code's own `projects/<project>/<session>/tool-results/` folders under
 * its config dir (as named, and again after resolving symlinks; a path named outside is never looked
 * at), it is a regular file owned by this user, and it begins with
 * exactly the preview's text. Anything else leaves the preview as it was sent.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { isRecord } from '../compress/shapes/slot.js';

/** Claude Code 2.1.197's preview: the saved file, then the first ~2 KB of the output. */
const PREVIEW =
  /^<persisted-output>\nOutput too large \([^)\n]*\)\. Full output saved to: ([^\n]+)\n\nPreview \(first [^)\n]*\):\n([\s\S]*?)\n?\.\.\.\n<\/persisted-output>\s*$/;
/** Larger saved outputs are left as previews: reading them would cost more than the view is worth. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Whole outputs remembered, in characters, so later turns resend the same bytes without reading again. */
const MEMO_CHARS = 64 * 1024 * 1024;

const LEADING_NEWLINES = /^[\r\n]+/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The saved file and preview text a `<persisted-output>` block names, or undefined when it is not one. */
export function parsePreview(text: string): { file: string; head: string } | undefined {
  const match = PREVIEW.exec(text);
  if (match === null) return undefined;
  return { file: match[1]!, head: match[2]! };
}

/** Whether a block's text is a `<persisted-output>` preview (whose file may or may not pass the checks). */
export function isPreview(text: string): boolean {
  return text.startsWith('<persisted-output>') && parsePreview(text) !== undefined;
}

/** Whether `file` sits at `<projects>/<project>/<session>/tool-results/<name>`, with nothing escaping. */
function inToolResults(projects: string, file: string): boolean {
  const parts = path.relative(projects, file).split(path.sep);
  return (
    parts.length === 4 &&
    parts[2] === 'tool-results' &&
    parts.every((p) => p !== '' && p !== '.' && p !== '..') &&
    !path.isAbsolute(parts[0]!)
  );
}

/** Reads the whole output behind a preview when every safety check holds; undefined otherwise. */
async function readSaved(configDir: string, preview: string): Promise<string | undefined> {
  const parsed = parsePreview(preview);
  if (parsed === undefined || !path.isAbsolute(parsed.file)) return undefined;
  let projects: string;
  let real: string;
  try {
    projects = path.join(await realpath(configDir), 'projects');
    // The path as named must lie in the folders before the file system is asked anything about it:
    // resolving it would touch whatever it names (an automounted /net/host, a UNC share on Windows).
    const named = path.resolve(parsed.file);
    const asNamed = path.join(path.resolve(configDir), 'projects');
    if (!inToolResults(asNamed, named) && !inToolResults(projects, named)) return undefined;
    real = await realpath(named);
  } catch {
    return undefined;
  }
  if (!inToolResults(projects, real)) return undefined;
  // O_NOFOLLOW: the checked path must still be the file opened, not a symlink swapped in since.
  // O_NONBLOCK: a FIFO put there would otherwise hold the open (and a thread of node's pool) until a
  // writer comes; it is refused below as not a regular file.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (handle === undefined) return undefined;
  try {
    const stat = await handle.stat();
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || stat.size > MAX_FILE_BYTES)
      return undefined;
    const whole = utf8.decode(await handle.readFile());
    // The preview must be the file's own head: a preview whose text is not there names some other file.
    // Claude Code drops an output's leading blank lines from the preview, not from the file.
    const start = whole.replace(LEADING_NEWLINES, '');
    if (start.length <= parsed.head.length || !start.startsWith(parsed.head)) return undefined;
    return whole;
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Preview texts inside the `tool_result` blocks of Anthropic messages. */
function previewsIn(messages: readonly unknown[]): string[] {
  const found: string[] = [];
  const take = (text: unknown): void => {
    if (typeof text === 'string' && text.startsWith('<persisted-output>')) found.push(text);
  };
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (!isRecord(block) || block.type !== 'tool_result') continue;
      if (Array.isArray(block.content)) {
        for (const part of block.content) if (isRecord(part) && part.type === 'text') take(part.text);
      } else take(block.content);
    }
  }
  return found;
}

export interface PersistedOutputs {
  /** Whole outputs for the previews in `messages` that pass every check, keyed by preview text. */
  resolve(messages: readonly unknown[]): Promise<ReadonlyMap<string, string> | undefined>;
}

/**
 * Resolves previews against Claude Code's config dir (`CLAUDE_CONFIG_DIR`, else `~/.claude`). Each preview
 * is read once and remembered, including a refusal, so a conversation's bytes never change turn to turn.
 */
export function createPersistedOutputs(configDir: string): PersistedOutputs {
  const memo = new LRUCache<string, { whole: string | undefined }>({
    maxSize: MEMO_CHARS,
    sizeCalculation: (value, key) => key.length + (value.whole?.length ?? 0) + 1,
  });
  return {
    async resolve(messages) {
      const out = new Map<string, string>();
      for (const preview of previewsIn(messages)) {
        let known = memo.get(preview);
        if (known === undefined) {
          known = { whole: await readSaved(configDir, preview) };
          memo.set(preview, known);
        }
        if (known.whole !== undefined) out.set(preview, known.whole);
      }
      return out.size === 0 ? undefined : out;
    },
  };
}
