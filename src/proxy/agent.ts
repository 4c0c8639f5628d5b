/** Known clients by their user agent; the label goes to the ledger, the user agent itself never does. */
const AGENTS: readonly [RegExp, string][] = [
  [/claude-cli|claude-code/i, 'claude'],
  [/codex/i, 'codex'],
  [/aider/i, 'aider'],
  [/GeminiCLI|gemini-cli/i, 'gemini'],
  [/^QwenCode\//, 'qwen'],
  // opencode's own name comes before the ai-sdk it is built on (`opencode/1.18.33 ai-sdk/provider-utils/…`).
  [/^opencode\//, 'opencode'],
  [/\bai-sdk\b/i, 'ai-sdk'],
  [/^OpenAI\//i, 'openai-sdk'],
  [/^Anthropic\//i, 'anthropic-sdk'],
  // Google's Gen AI SDKs (JS and Python) send `google-genai-sdk/<version> gl-node/…` when no app names itself.
  [/^google-genai-sdk\//i, 'genai-sdk'],
];

/** Names the client behind a request: `claude`, `codex`, `openai-sdk`, `anthropic-sdk`, … or `unknown`. */
export function guessAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'unknown';
  for (const [pattern, name] of AGENTS) if (pattern.test(userAgent)) return name;
  return 'unknown';
}
