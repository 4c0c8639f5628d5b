import type { Session } from './common.js';
import { isJson, type Json, type WireProtocol } from './wire/protocol.js';

/** An HTTP request as the SDK is about to send it. */
export interface WireRequest {
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

/** Sends one request on to the provider (the rest of the SDK's middleware chain, or its fetch). */
export type Send = (request: WireRequest) => Promise<Response>;

interface Prepared {
  readonly body: Json;
  readonly text: string;
  readonly streaming: boolean;
  readonly model: string;
}

/**
 * The request as headroom sends it: retrieval results cleared, blocks compressed, retrieval results
 * answered, the retrieval tool added. Results are cleared before compressing so an answer (an original
 * that was compressed once) is never compressed again, which would send the model round in circles.
 */
async function prepare(
  text: string,
  protocol: WireProtocol,
  session: Session,
  retry: boolean,
): Promise<Prepared | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJson(parsed)) return undefined;
  const body = parsed;
  const model = typeof body.model === 'string' ? body.model : '';
  const streaming = body.stream === true;
  try {
    let next = body;
    let tokensBefore = 0;
    let tokensAfter = 0;
    let compressed = false;
    let answeredIds: string[] = [];
    const items = protocol.items(body);
    if (items) {
      const cleared = session.retrieval ? protocol.answerCalls(items, () => '') : items;
      const result = await session.compress(cleared, model);
      ({ tokensBefore, tokensAfter, compressed } = result);
      let out: readonly unknown[] = result.items;
      if (cleared !== items) {
        const filled = await session.fillRetrievals(out, protocol.answerCalls, model);
        out = filled.items;
        answeredIds = filled.ids;
        tokensAfter += filled.tokens;
      }
      if (out !== items) next = protocol.withItems(body, out);
    }
    if (session.retrieval && (protocol.hasTools(body) || compressed || answeredIds.length > 0)) {
      const withTool = protocol.withRetrieveTool(next);
      if (withTool !== next)
        tokensAfter += await session.countAdded(JSON.stringify(protocol.retrieveTool), model);
      next = withTool;
    }
    if (!retry) session.record(model, { tokensBefore, tokensAfter, compressed });
    session.recordRetrievals(answeredIds);
    return { body: next, text: next === body ? text : JSON.stringify(next), streaming, model };
  } catch {
    // Fail open: the caller's request goes out exactly as it came.
    if (!retry) session.recordFailOpen(model);
    return { body, text, streaming, model };
  }
}

async function readJson(response: Response): Promise<Json | undefined> {
  if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const value: unknown = await response.clone().json();
    return isJson(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True for an SDK's own retry of a call (both SDKs number their attempts): the same call again, compressed
 * the same way, so it is not counted as another call in `stats()`.
 */
function isRetry(headers: Headers): boolean {
  return Number(headers.get('x-stainless-retry-count') ?? 0) > 0;
}

/**
 * The caller's headers for a new body: without a stale length and, for a retrieval round, without the
 * idempotency key that names the caller's own request.
 */
function headersFor(headers: Headers, round: boolean): Headers {
  const copy = new Headers(headers);
  copy.delete('content-length');
  if (round) copy.delete('idempotency-key');
  return copy;
}

/**
 * Sends a request the headroom way. Non-streaming responses that only ask for `headroom_retrieve` are
 * answered here and the conversation goes on, up to `maxRounds`, so the caller gets the final answer.
 * A streaming response goes to the caller as it arrives; a retrieval call in it is answered on the
 * caller's next request (see `answerCalls`).
 */
export async function sendWithHeadroom(
  request: WireRequest,
  protocol: WireProtocol,
  session: Session,
  send: Send,
): Promise<Response> {
  const prepared = await prepare(request.body, protocol, session, isRetry(request.headers));
  if (!prepared) return send(request);
  const headers = prepared.text === request.body ? request.headers : headersFor(request.headers, false);
  let response = await send({ url: request.url, headers, body: prepared.text });
  if (prepared.streaming || !session.retrieval) return response;
  let body = prepared.body;
  for (let round = 0; round < session.maxRounds; round++) {
    const json = await readJson(response);
    const calls = json && protocol.pendingRetrievals(json);
    if (!json || !calls) return response;
    const answers = new Map(calls.map((c) => [c.id, session.handle.answerRetrieval(c.input)]));
    session.recordRetrievals(calls.map((c) => c.id));
    session.recordAdded(
      prepared.model,
      await session.countAdded([...answers.values()].join(''), prepared.model),
    );
    body = protocol.continuation(body, json, answers);
    await response.body?.cancel();
    response = await send({
      url: request.url,
      headers: headersFor(request.headers, true),
      body: JSON.stringify(body),
    });
  }
  return response;
}
