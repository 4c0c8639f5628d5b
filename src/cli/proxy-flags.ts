import type { Command } from 'commander';
import { parseUpstream } from './options.js';

/** Flags `headroom proxy` and `headroom wrap` share, spelled and checked the same way in both. */
export interface SharedProxyFlags {
  readonly optimize: boolean;
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
}

export interface Upstreams {
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
}

/** Adds `--no-optimize`, `--anthropic-upstream` and `--openai-upstream`; `anthropicDefault` says what applies unset. */
export function withSharedProxyFlags(command: Command, anthropicDefault: string): Command {
  return command
    .option('--no-optimize', 'forward requests without compressing them (to compare)')
    .option('--anthropic-upstream <url>', `where Anthropic requests go (default: ${anthropicDefault})`)
    .option('--openai-upstream <url>', 'where OpenAI requests go (default: the public API)');
}

/**
 * Upstreams from the flags, else `HEADROOM_*_UPSTREAM`, else what the user had already pointed the agent
 * at (`fallback`), each checked as an http(s) URL.
 */
export function upstreamsFrom(
  flags: SharedProxyFlags,
  env: NodeJS.ProcessEnv,
  fallback: { anthropic?: string; openai?: string } = {},
): Upstreams {
  const anthropic = flags.anthropicUpstream ?? env.HEADROOM_ANTHROPIC_UPSTREAM ?? fallback.anthropic;
  const openai = flags.openaiUpstream ?? env.HEADROOM_OPENAI_UPSTREAM ?? fallback.openai;
  return {
    ...(anthropic ? { anthropicUpstream: parseUpstream(anthropic, '--anthropic-upstream') } : {}),
    ...(openai ? { openaiUpstream: parseUpstream(openai, '--openai-upstream') } : {}),
  };
}
