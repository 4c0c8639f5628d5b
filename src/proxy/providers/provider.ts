/** Where the conversation sits in a model call's body, or why this body cannot be compressed. */
export type CompressTarget =
  | { readonly field: ConversationField; readonly messages: readonly unknown[] }
  | { readonly reason: 'unknown-shape' | 'nothing-to-compress' };

/** The top-level body member that holds the conversation, per API. */
export type ConversationField = 'messages' | 'input' | 'contents';

export type ProviderName = 'anthropic' | 'openai' | 'gemini';

/** What the proxy needs to know about one provider's wire protocol. */
export interface Provider {
  readonly name: ProviderName;
  /** True for the endpoints whose bodies carry a conversation (and are recorded in the ledger). */
  isModelCall(method: string, path: string): boolean;
  /** Picks the compressible array out of a parsed body; never the system prompt or tool definitions. */
  target(path: string, body: Record<string, unknown>): CompressTarget;
  /** The model named by the path, for APIs that put it there instead of in the body (Gemini). */
  modelOf?(path: string): string | undefined;
  /** An error body in the provider's own format, for failures the proxy itself answers (upstream unreachable). */
  errorBody(message: string, status: number): string;
}
