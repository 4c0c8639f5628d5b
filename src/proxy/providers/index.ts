import type { IncomingHttpHeaders } from 'node:http';
import { anthropicProvider, looksAnthropic } from './anthropic.js';
import { geminiProvider, looksGemini } from './gemini.js';
import { openaiProvider } from './openai.js';
import type { Provider, ProviderName } from './provider.js';

/** The provider module by name (what crosses into a compression worker is the name). */
export function providerNamed(name: ProviderName): Provider {
  return name === 'anthropic' ? anthropicProvider : name === 'gemini' ? geminiProvider : openaiProvider;
}

/** The provider of each agent `wrap` starts a proxy for. */
const AGENT_PROVIDERS: Readonly<Record<string, ProviderName>> = {
  claude: 'anthropic',
  codex: 'openai',
  gemini: 'gemini',
};

/** OpenAI's API lives under `/v1/`; its clients send a bearer token or `openai-*` headers. */
function looksOpenAI(path: string, headers: IncomingHttpHeaders): boolean {
  if (path.startsWith('/v1/')) return true;
  if (headers.authorization) return true;
  return Object.keys(headers).some((name) => name.startsWith('openai-'));
}

/**
 * The provider a request goes to. One that names neither (Claude Code's `HEAD /` connection probe carries
 * no header of Anthropic's) goes where the agent the proxy was started for would send it; with no such
 * agent it goes nowhere (undefined: the proxy answers it), never to a provider the user did not choose.
 */
export function providerFor(
  path: string,
  headers: IncomingHttpHeaders,
  agent: string | undefined,
  query = '',
): Provider | undefined {
  // Gemini's paths (`/v1beta/…`), headers (`x-goog-*`) and `?key=` belong to no other provider.
  if (looksGemini(path, headers, query)) return geminiProvider;
  if (looksAnthropic(path, headers)) return anthropicProvider;
  if (looksOpenAI(path, headers)) return openaiProvider;
  const name = agent === undefined ? undefined : AGENT_PROVIDERS[agent];
  return name === undefined ? undefined : providerNamed(name);
}
