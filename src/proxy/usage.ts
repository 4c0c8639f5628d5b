import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Usage } from '../ledger/entry.js';

export type { Usage } from '../ledger/entry.js';

/** Watches a response body as it streams past; never holds or alters the bytes the client gets. */
export interface UsageReader {
  push(chunk: Uint8Array): void;
  /** Call once at the end of the body; resolves to the usage seen, if any. */
  finish(): Promise<Usage | undefined>;
}

type Json = Record<string, unknown>;
type PartialUsage = { -readonly [K in keyof Usage]?: number };

/** A JSON body bigger than this is not a usage-bearing API answer worth parsing. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

/** The fields that have a value; a field the provider left out stays out. */
function present(fields: { [K in keyof Usage]: number | undefined }): PartialUsage {
  const out: PartialUsage = {};
  for (const key of Object.keys(fields) as (keyof Usage)[]) {
    const value = fields[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** OpenAI counts cached tokens inside the prompt; headroom's input is the uncached part. */
function openaiUsage(prompt: unknown, details: unknown, output: unknown): PartialUsage {
  const cached = num(obj(details)?.cached_tokens) ?? 0;
  const total = num(prompt);
  return present({
    inputTokens: total === undefined ? undefined : Math.max(0, total - cached),
    outputTokens: num(output),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  });
}

/**
 * Gemini counts cached tokens inside `promptTokenCount` too, and tool-use prompt tokens beside it;
 * thinking tokens are billed as output.
 */
function geminiUsage(u: Json): PartialUsage {
  const cached = num(u.cachedContentTokenCount) ?? 0;
  const prompt = num(u.promptTokenCount);
  const candidates = num(u.candidatesTokenCount);
  return present({
    inputTokens:
      prompt === undefined ? undefined : Math.max(0, prompt + (num(u.toolUsePromptTokenCount) ?? 0) - cached),
    outputTokens:
      candidates === undefined && u.thoughtsTokenCount === undefined
        ? undefined
        : (candidates ?? 0) + (num(u.thoughtsTokenCount) ?? 0),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  });
}

/** Reads one provider usage object, whichever API it came from; absent fields stay absent. */
function normalise(u: Json): PartialUsage {
  if ('promptTokenCount' in u || 'candidatesTokenCount' in u) return geminiUsage(u);
  // Chat Completions, then Responses; Anthropic's has neither marker.
  if ('prompt_tokens' in u) return openaiUsage(u.prompt_tokens, u.prompt_tokens_details, u.completion_tokens);
  if ('input_tokens_details' in u || 'total_tokens' in u)
    return openaiUsage(u.input_tokens, u.input_tokens_details, u.output_tokens);
  return present({
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheWriteTokens: num(u.cache_creation_input_tokens),
  });
}

/** The usage object of an API answer or stream event, wherever that API puts it. */
function usageOf(value: unknown): Json | undefined {
  const v = obj(value);
  if (!v) return undefined;
  return obj(v.usage) ?? obj(obj(v.message)?.usage) ?? obj(obj(v.response)?.usage) ?? obj(v.usageMetadata);
}

function decompressorFor(encoding: string | undefined): Transform | null | undefined {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return undefined;
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return null;
}

/** Parses `data:` payloads of an SSE stream, cut wherever the network cut it (even inside a character). */
function sseParser(onEvent: (data: string) => void): { push(chunk: Buffer): void; end(): void } {
  let pending: Buffer[] = [];
  let data: string[] = [];
  const line = (text: string): void => {
    const l = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (l === '') {
      if (data.length > 0) onEvent(data.join('\n'));
      data = [];
    } else if (l.startsWith('data:')) {
      data.push(l.charCodeAt(5) === 0x20 ? l.slice(6) : l.slice(5));
    }
  };
  return {
    push(chunk) {
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline < 0) {
        pending.push(chunk);
        return;
      }
      pending.push(chunk.subarray(0, lastNewline));
      // Newline bytes never occur inside a multi-byte UTF-8 character, so decoding whole lines is safe.
      const text = Buffer.concat(pending).toString('utf8');
      pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
      for (const l of text.split('\n')) line(l);
    },
    end() {
      if (pending.length > 0) line(Buffer.concat(pending).toString('utf8'));
      line('');
    },
  };
}

/**
 * Creates a reader for one response body. Compressed bodies (the client's `accept-encoding` is passed
 * upstream untouched) are decompressed on a side copy, so the client still gets the provider's bytes.
 */
export function createUsageReader(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): UsageReader {
  const merged: PartialUsage = {};
  let seen = false;
  const take = (value: unknown): void => {
    // Gemini's `streamGenerateContent` without `alt=sse` answers one JSON array of chunks.
    if (Array.isArray(value)) {
      for (const item of value) take(item);
      return;
    }
    const u = usageOf(value);
    if (!u) return;
    seen = true;
    Object.assign(merged, normalise(u));
  };

  const isSse = (contentType ?? '').toLowerCase().includes('text/event-stream');
  let jsonChunks: Buffer[] = [];
  let jsonBytes = 0;
  const sse = sseParser((data) => {
    // Most events are text deltas; only the few that carry usage are worth a JSON.parse.
    if (!data.includes('"usage"') && !data.includes('"usageMetadata"')) return;
    try {
      take(JSON.parse(data));
    } catch {
      // Not JSON (e.g. `[DONE]`): nothing to read.
    }
  });
  const consume = (chunk: Buffer): void => {
    if (isSse) {
      sse.push(chunk);
    } else if (jsonBytes <= MAX_JSON_BYTES) {
      jsonChunks.push(chunk);
      jsonBytes += chunk.length;
    }
  };
  const settle = (): Usage | undefined => {
    if (isSse) sse.end();
    else if (jsonBytes > 0 && jsonBytes <= MAX_JSON_BYTES) {
      try {
        take(JSON.parse(Buffer.concat(jsonChunks).toString('utf8')));
      } catch {
        // An error page or a non-JSON answer: no usage.
      }
      jsonChunks = [];
    }
    if (!seen) return undefined;
    return {
      inputTokens: merged.inputTokens ?? 0,
      outputTokens: merged.outputTokens ?? 0,
      cacheReadTokens: merged.cacheReadTokens ?? 0,
      cacheWriteTokens: merged.cacheWriteTokens ?? 0,
    };
  };

  const decompressor = decompressorFor(contentEncoding);
  if (decompressor === null) {
    // An encoding we cannot read (e.g. zstd on Node 20): the bytes still pass; usage stays unknown.
    return { push: () => undefined, finish: async () => undefined };
  }
  if (decompressor === undefined) {
    return {
      push: (chunk) => consume(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
      finish: async () => settle(),
    };
  }
  let failed = false;
  decompressor.on('data', (chunk: Buffer) => consume(chunk));
  decompressor.on('error', () => {
    failed = true;
  });
  const ended = new Promise<void>((resolve) => {
    decompressor.once('end', resolve);
    decompressor.once('error', () => resolve());
    decompressor.once('close', () => resolve());
  });
  return {
    push(chunk) {
      if (!failed) decompressor.write(chunk);
    },
    async finish() {
      if (!failed) decompressor.end();
      await ended;
      return failed ? undefined : settle();
    },
  };
}
