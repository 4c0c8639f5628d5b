/**
 * Puts a captured tool output back into the request its agent really sends: Claude Code's Anthropic
 * `messages` (the output as a `tool_result`) or Codex's Responses `input` (a `function_call_output`),
 * built from the request bodies captured in test/fixtures/agents/requests/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_FIXTURES, type AgentCase } from './agent-cases.js';

type Json = Record<string, unknown>;

export interface AgentRequest {
  readonly model: string;
  /** Anthropic `messages` or Responses `input`, as the agent sends them. */
  readonly messages: Json[];
}

function template(file: string): Json {
  return JSON.parse(readFileSync(path.join(AGENT_FIXTURES, 'requests', file), 'utf8')) as Json;
}

const claudeTemplate = template('claude-tool-result.json');
const codexTemplate = template('codex-function-output.json');

function blocks(message: Json | undefined): Json[] {
  return Array.isArray(message?.content) ? (message.content as Json[]) : [];
}

/** Claude Code's messages with `output` as the `tool_result` of the case's tool call. */
export function claudeRequest(c: AgentCase, output: string): AgentRequest {
  const messages = structuredClone(claudeTemplate.messages) as Json[];
  const question = blocks(messages[0]).at(-1);
  const call = messages.flatMap(blocks).find((b) => b.type === 'tool_use');
  const result = messages.flatMap(blocks).find((b) => b.type === 'tool_result');
  if (!question || !call || !result)
    throw new Error('claude-tool-result.json lacks a question, tool_use or tool_result');
  question.text = c.question;
  call.name = c.call.name;
  call.input = c.call.input;
  result.content = output;
  return { model: claudeTemplate.model as string, messages };
}

/** Codex's input items with `output` as the `function_call_output` of the case's command. */
export function codexRequest(c: AgentCase, output: string): AgentRequest {
  const input = structuredClone(codexTemplate.input) as Json[];
  const question = input.filter((i) => i.type === 'message' && i.role === 'user').at(-1);
  const call = input.find((i) => i.type === 'function_call');
  const result = input.find((i) => i.type === 'function_call_output');
  const text = blocks(question).at(-1);
  if (!text || !call || !result)
    throw new Error('codex-function-output.json lacks a question, function_call or output');
  text.text = c.question;
  call.name = c.call.name;
  call.arguments = JSON.stringify(c.call.input);
  result.output = output;
  return { model: codexTemplate.model as string, messages: input };
}

export function agentRequest(c: AgentCase, output: string): AgentRequest {
  return c.agent === 'claude' ? claudeRequest(c, output) : codexRequest(c, output);
}

/** The tool output inside a request built above (after compression, the compressed text). */
export function toolOutputOf(c: AgentCase, messages: readonly Json[]): string {
  if (c.agent === 'codex') {
    const item = messages.find((i) => i.type === 'function_call_output');
    return item?.output as string;
  }
  const result = messages.flatMap(blocks).find((b) => b.type === 'tool_result');
  return result?.content as string;
}

/**
 * Whether a needle survived: the whole original line that holds it must appear as a line of the output,
 * byte for byte (with its line number, in line-numbered output). A needle spanning lines, or one inside a
 * line the agent itself already cut, is checked as a plain substring.
 */
export function needleKept(original: string, output: string, needle: string): boolean {
  if (!output.includes(needle)) return false;
  const outLines = new Set(output.split('\n').map((l) => l.replace(/\r$/, '')));
  const holders = original
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.includes(needle));
  if (holders.length === 0) return true;
  return holders.some((l) => outLines.has(l));
}
