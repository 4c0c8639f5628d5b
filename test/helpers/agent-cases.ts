/** The agent-traffic fixtures of test/fixtures/agents/, as scripts/capture-agents.ts writes them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type AgentShape = 'claude-read' | 'claude-bash' | 'codex-exec';

export interface AgentCase {
  readonly name: string;
  readonly agent: 'claude' | 'codex';
  /** The tool output as the agent sent it (for Codex: with the whole output, no cut by Codex). */
  readonly file: string;
  /** Codex cases: the same command's output as Codex sends it with its default limit. */
  readonly codexAloneFile?: string;
  readonly shape: AgentShape;
  /** The user's request that led to the tool call. */
  readonly question: string;
  /** The tool call the output answers, as the model made it. */
  readonly call: { readonly name: string; readonly input: Readonly<Record<string, unknown>> };
  /** Exact strings the answer needs; at least one sits in the middle of the output. */
  readonly needles: readonly string[];
}

export const AGENT_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/agents');

export function loadAgentCases(): AgentCase[] {
  return JSON.parse(readFileSync(path.join(AGENT_FIXTURES, 'cases.json'), 'utf8')) as AgentCase[];
}

export function readAgentFixture(file: string): string {
  return readFileSync(path.join(AGENT_FIXTURES, file), 'utf8');
}
