import type { AgentName } from '../agents.js';

/**
 * How each agent tells the user to come back to a session as it exits: Claude Code prints
 * `claude --resume <id>`, Codex `codex resume <id>`, Gemini CLI `gemini --resume <id>`.
 */
const HINTS: Partial<Record<AgentName, RegExp>> = {
  claude: /\bclaude (--resume|-r) ([0-9a-fA-F-]{8,})/g,
  codex: /\bcodex (resume) ([0-9a-fA-F-]{8,})/g,
  gemini: /\bgemini (--resume|-r) ([0-9a-fA-F-]{8,})/g,
};

/** Only the end of the output is kept to look in: the hint is among the last lines an agent prints. */
const TAIL_CHARS = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes around the hint
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Watches what the agent prints (when headroom forwards it) for its resume hint. */
export function resumeWatcher(agent: AgentName) {
  let tail = '';
  return {
    push(chunk: Buffer | string): void {
      tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
    },
    /** Whether the agent's last line was left open (no final newline), so ours must start a new one. */
    midLine(): boolean {
      return tail !== '' && !tail.endsWith('\n');
    },
    /** The same command through headroom, when the agent printed one. */
    wrapped(): string | undefined {
      const pattern = HINTS[agent];
      if (pattern === undefined) return undefined;
      const last = [...tail.replace(ANSI, '').matchAll(pattern)].at(-1);
      if (last === undefined) return undefined;
      return `headroom wrap ${agent} ${last[1]} ${last[2]}`;
    },
  };
}

/** How to resume an agent's session `id` through headroom. */
export function wrappedResume(agent: AgentName, id: string): string | undefined {
  if (agent === 'claude') return `headroom wrap claude --resume ${id}`;
  if (agent === 'codex') return `headroom wrap codex resume ${id}`;
  if (agent === 'gemini') return `headroom wrap gemini --resume ${id}`;
  return undefined;
}

export type ResumeWatcher = ReturnType<typeof resumeWatcher>;
