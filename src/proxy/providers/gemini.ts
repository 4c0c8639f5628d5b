import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from './provider.js';

/**
 * A Gemini API model call: `/v1beta/models/<model>:generateContent` or `:streamGenerateContent` (also
 * under `/v1` and `/v1alpha`). The model is named in the path, never in the body.
 */
const MODEL_CALL = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(?:generateContent|streamGenerateContent)$/;

/** Gemini's error status names for the statuses the proxy answers itself. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  403: 'PERMISSION_DENIED',
  415: 'INVALID_ARGUMENT',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * Gemini API (Generative Language). Only `contents` is compressed: `systemInstruction`, `tools` and
 * `generationConfig` are instructions and definitions, left as sent. The API key (`x-goog-api-key`, or
 * `?key=` in the query) passes through untouched; the query is never part of what headroom records.
 */
export const geminiProvider: Provider = {
  name: 'gemini',
  isModelCall: (method, path) => method === 'POST' && MODEL_CALL.test(path),
  target(_path, body) {
    const contents = body.contents;
    if (!Array.isArray(contents)) return { reason: 'unknown-shape' };
    return { field: 'contents', messages: contents };
  },
  modelOf(path) {
    const name = MODEL_CALL.exec(path)?.[1];
    if (name === undefined) return undefined;
    try {
      return decodeURIComponent(name);
    } catch {
      return name;
    }
  },
  errorBody: (message, status) =>
    JSON.stringify({ error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } }),
};

/**
 * A call of a Gemini model's method (`models/<model>:generateContent`, `:countTokens`, `:embedContent`…),
 * also under `/v1/`, where OpenAI's paths have no such methods. A client that gives its key as `?key=`
 * and no `x-goog-*` header is known by this path alone, and its key must not go to OpenAI.
 */
const MODEL_METHOD =
  /^\/v1(?:beta|alpha)?\/(?:models|tunedModels)\/[^/:]+:(?:generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/;

/**
 * Gemini's API lives under `/v1beta/` (and `/v1alpha/`, `/upload/`); its clients send `x-goog-*` headers
 * or the key as `?key=` (`query`: the request's query string, without `?`), which no other provider uses.
 */
export function looksGemini(path: string, headers: IncomingHttpHeaders, query = ''): boolean {
  if (/^\/(?:upload\/)?v1(?:beta|alpha)(?:\/|$)/.test(path) || MODEL_METHOD.test(path)) return true;
  if (/(?:^|&)key=/.test(query)) return true;
  return headers['x-goog-api-key'] !== undefined || headers['x-goog-api-client'] !== undefined;
}
