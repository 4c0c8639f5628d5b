/**
 * What the terminal scenarios in this folder report (one JSON line on stdout), and the values they share
 * with the tests that assert on the reports. Kept apart from the scenarios, whose modules run when loaded.
 */
import type { Isolation } from '../../helpers/netns.js';
import { testLog } from '../../helpers/outputs.js';

export const CLAUDE_ANSWER = 'computeTotal fails: expected 90 to be 81.';
export const CLAUDE_LOG = testLog(300);

export interface ClaudeTtyReport {
  readonly isolation: Isolation;
  /** Outside names the agent (or anything else in the namespace) looked up. */
  readonly lookups: string[];
  /** The terminal as the user saw it last, scrollback included. */
  readonly screen: string;
  /** `headroom wrap`'s exit code, as the shell on the terminal printed it. */
  readonly exitCode: number | undefined;
  /** The Bash output as it reached the provider, when it did. */
  readonly sent: string | undefined;
  /** The model requests that carried the agent's tools (its turns), and the others (session titles). */
  readonly turns: number;
  readonly asides: number;
  /** Claude Code's sessions in its own store. */
  readonly sessions: string[];
  readonly error?: string;
}
