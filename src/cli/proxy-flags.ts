import type { Command } from 'commander';
import { parseUpstream } from './options.js';

/** Flags `headroom proxy` and `headroom wrap` share, spelled and checked the same way in both. */
export interface SharedProxyFlags {
  readonly optimize: boolean;
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
  readonly geminiUpstream?: string;
}

export interface Upstreams {
  readonly anthropicUpstream?: string;
  readonly openaiUpstream?: string;
  readonly geminiUpstream?: string;
}

/** Adds `--no-optimize` and the `--<provider>-upstream` flags; the defaults say what applies unset. */
export function withSharedProxyFlags(
  command: Command,
  anthropicDefault: string,
  geminiDefault = 'the public API',
): Command {
  return command
    .option('--no-optimize', 'forward requests without compressing them (to compare)')
    .option('--anthropic-upstream <url>', `where Anthropic requests go (default: ${anthropicDefault})`)
    .option('--openai-upstream <url>', 'where OpenAI requests go (default: the public API)')
    .option('--gemini-upstream <url>', `where Gemini API requests go (default: ${geminiDefault})`);
}

/**
 * Upstreams from the flags, else `HEADROOM_*_UPSTREAM`, else what the user had already pointed the agent
 * at (`fallback`), each checked as an http(s) URL. A bad one is named by where it came from, so a broken
 * environment variable is not reported as a flag the user never typed.
 */
export function upstreamsFrom(
  flags: SharedProxyFlags,
  env: NodeJS.ProcessEnv,
  fallback: { anthropic?: string; openai?: string; gemini?: string } = {},
): Upstreams {
  const anthropic = firstSet([
    [flags.anthropicUpstream, '--anthropic-upstream'],
    [env.HEADROOM_ANTHROPIC_UPSTREAM, 'HEADROOM_ANTHROPIC_UPSTREAM'],
    [fallback.anthropic, 'ANTHROPIC_BASE_URL'],
  ]);
  const openai = firstSet([
    [flags.openaiUpstream, '--openai-upstream'],
    [env.HEADROOM_OPENAI_UPSTREAM, 'HEADROOM_OPENAI_UPSTREAM'],
    [fallback.openai, env.OPENAI_API_BASE === undefined ? 'OPENAI_BASE_URL' : 'OPENAI_API_BASE'],
  ]);
  const gemini = firstSet([
    [flags.geminiUpstream, '--gemini-upstream'],
    [env.HEADROOM_GEMINI_UPSTREAM, 'HEADROOM_GEMINI_UPSTREAM'],
    [fallback.gemini, 'GOOGLE_GEMINI_BASE_URL'],
  ]);
  return {
    ...(anthropic?.value ? { anthropicUpstream: parseUpstream(anthropic.value, anthropic.from) } : {}),
    ...(openai?.value ? { openaiUpstream: parseUpstream(openai.value, openai.from) } : {}),
    ...(gemini?.value ? { geminiUpstream: parseUpstream(gemini.value, gemini.from) } : {}),
  };
}

/** The first value that is set, with the name of the flag or variable it came from. */
function firstSet(
  sources: ReadonlyArray<readonly [string | undefined, string]>,
): { value: string; from: string } | undefined {
  const found = sources.find(([value]) => value !== undefined);
  return found === undefined ? undefined : { value: found[0] as string, from: found[1] };
}
