/**
 * What the terminal scenarios in this folder report (one JSON line on stdout), and the values they share
 * with the tests that assert on the reports. Kept apart from the scenarios, whose modules run when loaded.
 */
import type { Isolation } from '../../helpers/netns.js';
import { testLog } from '../../helpers/outputs.js';
import { bigTestLog } from '../../helpers/proxy-harness.js';

export const CLAUDE_ANSWER = 'computeTotal fails: expected 90 to be 81.';
export const CLAUDE_LOG = testLog(300);

/** What every terminal scenario reports. */
export interface TtyReport {
  readonly isolation: Isolation;
  /** Outside names the agent (or anything else in the namespace) looked up. */
  readonly lookups: string[];
  /** The terminal as the user saw it last, scrollback included. */
  readonly screen: string;
  /** `headroom wrap`'s exit code, as the shell on the terminal printed it. */
  readonly exitCode: number | undefined;
  /** The command output as it reached the provider, when it did. */
  readonly sent: string | undefined;
  /** The model requests of the agent's turns, and the others (session titles). */
  readonly turns: number;
  readonly asides: number;
  /** The agent's sessions in its own store. */
  readonly sessions: string[];
  /** What stopped the scenario before its end. */
  readonly error?: string;
}

/** A failing run of 700 tests, 34 KB: over three times the ~10,000 characters Codex keeps by itself. */
export const CODEX_LOG = bigTestLog(700);
export const CODEX_ANSWER = 'invoice totals › rounds half cents up fails: expected 10.05 to equal 10.06.';

/**
 * A failing run of 3,000 tests, about 165 KB, its failing assertion at line 1,500: Gemini CLI by itself
 * keeps the first 8,000 and last 32,000 characters of it and loses the assertion.
 */
export const GEMINI_LOG = bigTestLog(3000, 5);
export const GEMINI_ANSWER = 'invoice totals › rounds half cents up fails: expected 10.05 to equal 10.06.';
export const GEMINI_MODEL = 'gemini-2.5-pro';

/** What the piped Gemini CLI scenario reports. */
export interface GeminiPipeReport {
  readonly isolation: Isolation;
  readonly lookups: string[];
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** The model calls the fake Gemini API received: path with query, and body. */
  readonly calls: { readonly url: string; readonly body: string }[];
  /** Its other requests (`METHOD path`). */
  readonly others: string[];
  /** headroom's ledger lines after the run. */
  readonly ledger: string[];
  /** The user's ~/.gemini/settings.json after the run, and before it. */
  readonly userSettings: string;
  readonly userSettingsBefore: string;
  /** What the session left under headroom's state dir for agent settings. */
  readonly leftInState: string[];
}

export const CHAT_AGENT_QUESTION = 'Run the tests and tell me which one fails and why.';
export const CHAT_AGENT_ANSWER =
  'invoice totals › rounds half cents up fails: expected 10.05 to equal 10.06.';

/** What the piped Qwen Code and opencode scenario reports (chat-agent.ts). */
export interface ChatAgentReport {
  readonly isolation: Isolation;
  /** Outside names the agent (or anything else in the namespace) looked up. */
  readonly lookups: string[];
  /** `headroom wrap`'s exit code, and the ends of what it printed. */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** Model requests the provider received, and the user agent of each. */
  readonly calls: number;
  readonly userAgents: string[];
  /** The shell output as it reached the provider, when it did. */
  readonly sent: string | undefined;
  /** The temp dir while the agent ran and after `wrap` exited (headroom leaves nothing there). */
  readonly tempDuringRun: string[];
  readonly tempAfterRun: string[];
  /** The state dir's `agent-settings/` (the session's private settings folder) while and after. */
  readonly settingsDuringRun: string[];
  readonly settingsAfterRun: string[];
}
