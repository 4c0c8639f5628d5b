import { RETRIEVE_TOOL } from '../../compress/resolve-options.js';

/** A JSON object as parsed from a request or response body. */
export type Json = Record<string, unknown>;

/** One `headroom_retrieve` call the model made: its id in the API's terms, and its raw input. */
export interface RetrievalCall {
  readonly id: string;
  readonly input: unknown;
}

/**
 * What the HTTP pipeline needs to know about one API's request and response bodies. Each function is
 * pure: it returns new values and leaves its arguments as they were.
 */
export interface WireProtocol {
  /** headroom's tool definition in this API's format (what `withRetrieveTool` appends). */
  readonly retrieveTool: Json;
  /** A request with one big tool output, for `validateSetup()`'s dry request. */
  readonly sample: Json;
  /** What this API's model calls look like, for a dry request's fix. */
  readonly expected: string;
  /** The conversation array of a request (`messages` or `input`), or undefined when there is none. */
  items(body: Json): readonly unknown[] | undefined;
  withItems(body: Json, items: readonly unknown[]): Json;
  /** True when the request declares tools of its own (headroom's tool then joins them from the start). */
  hasTools(body: Json): boolean;
  /** The request with headroom's tool appended, unless one of that name is already there. */
  withRetrieveTool(body: Json): Json;
  /**
   * Sets the result of every `headroom_retrieve` call in the conversation to `answer(call)`, adding the
   * results the caller left out. Returns the items unchanged (same array) when there are no such calls.
   */
  answerCalls(items: readonly unknown[], answer: (call: RetrievalCall) => string): readonly unknown[];
  /** The calls of a finished response that asks for retrievals and nothing else the caller must run. */
  pendingRetrievals(response: Json): readonly RetrievalCall[] | undefined;
  /** The next request of a retrieval round: the request, the model's turn, and the answers. */
  continuation(body: Json, response: Json, answers: ReadonlyMap<string, string>): Json;
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when a request declares tools of its own (`tools` is where all three APIs keep them). */
export function declaresTools(body: Json): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

/** The request with `tool` appended to its tools, unless one already has headroom's name (read by `nameOf`). */
export function appendRetrieveTool(body: Json, tool: Json, nameOf: (tool: Json) => unknown): Json {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.some((t) => isJson(t) && nameOf(t) === RETRIEVE_TOOL)) return body;
  return { ...body, tools: [...tools, tool] };
}
