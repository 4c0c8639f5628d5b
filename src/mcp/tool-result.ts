import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { HeadroomError } from '../errors.js';

/** A tool result of text items, each sent as it is (no JSON wrapping, no structured copy). */
export function textResult(...texts: readonly string[]): CallToolResult {
  return { content: texts.map((text) => ({ type: 'text', text })) };
}

/**
 * A tool error the model can act on. An error result rather than a protocol error, so the model reads it
 * and the server carries on.
 */
export function errorResult(error: unknown): CallToolResult {
  const text =
    error instanceof HeadroomError
      ? error.fix === undefined
        ? error.message
        : `${error.message} ${error.fix}`
      : error instanceof Error
        ? error.message
        : String(error);
  return { content: [{ type: 'text', text: `headroom: ${text}` }], isError: true };
}

/** Runs a tool's work and turns whatever it throws into an error result: a tool call never kills the server. */
export async function guarded(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    return errorResult(error);
  }
}
