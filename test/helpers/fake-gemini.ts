import {
  type Delivery,
  type FakeServer,
  fakeId,
  pieces,
  type RawReply,
  type RecordedRequest,
  replyFramer,
  startFakeServer,
} from './fake-server.js';

/** The API keys the fake accepts; any other is refused as Gemini refuses it. */
export const GEMINI_TEST_KEY = 'AIzaSyTEST-gemini-key-0000000000000000';

export interface GeminiUsageOverride {
  readonly promptTokens?: number;
  readonly cachedTokens?: number;
  readonly outputTokens?: number;
  readonly thoughtsTokens?: number;
}

/**
 * One scripted answer to `:generateContent` / `:streamGenerateContent`, rendered in the Gemini API's
 * format (SSE with `alt=sse`, else JSON; a JSON array for a stream asked without `alt=sse`).
 */
export type GeminiReply =
  | { readonly kind: 'text'; readonly text: string; readonly usage?: GeminiUsageOverride }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: Record<string, unknown>;
      readonly usage?: GeminiUsageOverride;
    }
  | { readonly kind: 'error'; readonly status: number; readonly message: string; readonly statusName: string }
  | { readonly kind: 'raw'; readonly reply: RawReply };

export interface FakeGeminiOptions extends Delivery {
  readonly replies?: readonly GeminiReply[];
  readonly fallback?: GeminiReply;
  /** Models the fake knows; others get Gemini's 404. Default: any `gemini-*`. */
  readonly models?: readonly string[];
  /** Answers a model call outside the script when it returns a reply (an agent's side calls). */
  readonly aside?: (req: RecordedRequest, model: string) => GeminiReply | undefined;
}

export interface FakeGemini extends FakeServer {
  push(...replies: GeminiReply[]): void;
  /** `:generateContent` and `:streamGenerateContent` requests, in order. */
  modelRequests(): RecordedRequest[];
}

const CALL = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

const errorJson = (code: number, message: string, status: string) => ({ error: { code, message, status } });

/** A rough count, as the real API's is: about four bytes a token of the request's contents. */
const roughTokens = (value: unknown): number =>
  Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

function usageMetadata(req: RecordedRequest, o: GeminiUsageOverride | undefined, output: number) {
  const prompt = o?.promptTokens ?? roughTokens(req.json().contents);
  const cached = o?.cachedTokens;
  const thoughts = o?.thoughtsTokens;
  const candidates = o?.outputTokens ?? output;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + (thoughts ?? 0),
    ...(cached === undefined ? {} : { cachedContentTokenCount: cached }),
    ...(thoughts === undefined ? {} : { thoughtsTokenCount: thoughts }),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
}

/** A Gemini API stand-in on loopback: key checks, per-response ids, usage, countTokens, real error shapes. */
export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const script = [...(options.replies ?? [])];
  const { framed, json } = replyFramer(options, 'x-fake-request-id');
  const known = (model: string) =>
    options.models ? options.models.includes(model) : model.startsWith('gemini-');

  function answer(req: RecordedRequest, model: string, stream: boolean, sse: boolean): RawReply {
    const reply = options.aside?.(req, model) ?? script.shift() ?? options.fallback;
    if (reply === undefined)
      return json(500, errorJson(500, 'fake Gemini: no scripted reply left', 'INTERNAL'));
    if (reply.kind === 'raw') return reply.reply;
    if (reply.kind === 'error')
      return json(reply.status, errorJson(reply.status, reply.message, reply.statusName));
    const responseId = fakeId('resp');
    const parts =
      reply.kind === 'text'
        ? pieces(reply.text, stream ? 3 : 1).map((text) => [{ text }])
        : [[{ functionCall: { name: reply.name, args: reply.args } }]];
    const output = reply.kind === 'text' ? roughTokens(reply.text) : roughTokens(reply.args);
    const usage = usageMetadata(req, reply.usage, output);
    const chunks = parts.map((p, i) => {
      const last = i === parts.length - 1;
      return {
        candidates: [
          {
            content: { role: 'model', parts: p },
            ...(last ? { finishReason: 'STOP' } : {}),
            index: 0,
          },
        ],
        // Every chunk carries the usage so far; the last one the final counts.
        usageMetadata: last
          ? usage
          : { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount },
        modelVersion: model,
        responseId,
      };
    });
    if (!stream) {
      const all = parts.flat();
      return json(200, {
        ...chunks[chunks.length - 1],
        candidates: [{ content: { role: 'model', parts: all }, finishReason: 'STOP', index: 0 }],
      });
    }
    if (!sse) return json(200, chunks);
    // The real API separates events with CRLF pairs.
    const body = chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');
    return framed(200, { 'content-type': 'text/event-stream' }, Buffer.from(body, 'utf8'));
  }

  const server = await startFakeServer((req) => {
    const key = req.headers['x-goog-api-key'] ?? new URL(req.url, 'http://x').searchParams.get('key');
    if (key === undefined || key === null) {
      return json(
        403,
        errorJson(
          403,
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
          'PERMISSION_DENIED',
        ),
      );
    }
    if (key !== GEMINI_TEST_KEY) {
      return json(400, errorJson(400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT'));
    }
    const match = CALL.exec(req.path);
    if (req.method === 'GET' && /^\/v1(?:beta|alpha)?\/models$/.test(req.path)) {
      return json(200, { models: [{ name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro' }] });
    }
    if (!match || req.method !== 'POST') {
      return json(404, errorJson(404, `Requested entity was not found.`, 'NOT_FOUND'));
    }
    const [, model = '', method] = match;
    if (!known(model)) {
      return json(
        404,
        errorJson(
          404,
          `models/${model} is not found for API version v1beta, or is not supported for ${method}.`,
          'NOT_FOUND',
        ),
      );
    }
    let body: Record<string, unknown>;
    try {
      body = req.json();
    } catch {
      return json(400, errorJson(400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT'));
    }
    if (method === 'countTokens') {
      const total = roughTokens(
        body.contents ?? (body.generateContentRequest as { contents?: unknown })?.contents,
      );
      return json(200, {
        totalTokens: total,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }],
      });
    }
    const sse = new URL(req.url, 'http://x').searchParams.get('alt') === 'sse';
    return answer(req, model, method === 'streamGenerateContent', sse);
  });
  return {
    ...server,
    push: (...replies) => script.push(...replies),
    modelRequests: () => server.requests.filter((r) => /:(?:stream)?[gG]enerateContent$/.test(r.path)),
  };
}
