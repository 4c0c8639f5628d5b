import { describe, expect, it } from 'vitest';
import { guessAgent } from '../../src/proxy/agent.js';

describe('agent guess from the user agent', () => {
  it('names the known agents and SDKs', () => {
    expect(guessAgent('claude-cli/2.1.197 (external, cli)')).toBe('claude');
    expect(guessAgent('codex_exec/0.169.0 (Debian 12; x86_64) xterm')).toBe('codex');
    expect(guessAgent('QwenCode/0.15.10 (linux; x64)')).toBe('qwen');
    expect(guessAgent('opencode/1.18.33 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14')).toBe('opencode');
    expect(guessAgent('codex_cli_rs/0.169.0')).toBe('codex');
    expect(guessAgent('OpenAI/JS 6.49.0')).toBe('openai-sdk');
    expect(guessAgent('OpenAI/Python 1.99.0')).toBe('openai-sdk');
    expect(guessAgent('Anthropic/JS 1.14.0')).toBe('anthropic-sdk');
    expect(guessAgent('google-genai-sdk/1.30.0 gl-node/v20.19.5')).toBe('genai-sdk');
    expect(guessAgent('google-genai-sdk/1.41.0 gl-python/3.12.3')).toBe('genai-sdk');
    expect(guessAgent('aider/0.86 litellm')).toBe('aider');
    expect(guessAgent('GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64; terminal)')).toBe('gemini');
  });

  it('says unknown rather than echoing an unrecognised user agent', () => {
    expect(guessAgent('curl/8.5.0')).toBe('unknown');
    expect(guessAgent(null)).toBe('unknown');
  });
});
