import { anthropicProvider } from './anthropic.js';
import { openaiProvider } from './openai.js';
import type { Provider, ProviderName } from './provider.js';

/** The provider module by name (what crosses into a compression worker is the name). */
export function providerNamed(name: ProviderName): Provider {
  return name === 'anthropic' ? anthropicProvider : openaiProvider;
}
