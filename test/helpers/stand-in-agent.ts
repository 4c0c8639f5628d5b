/**
 * Stand-in agents for `wrap` tests: small Node scripts named `claude`, `codex`, `aider` and `gemini`, put on PATH
 * in a temp dir. Each records the argv and routing environment it was given (to STANDIN_REPORT), then
 * does what STANDIN_MODE says: `request` sends one model call with a large tool output through the
 * URL it was pointed at and prints the reply (then STANDIN_SAY, if set); `wait` waits for a signal and records it; `relaunch` runs `wait` in a child, as agents that relaunch themselves do; `exit:N`
 * prints STANDIN_SAY exactly (if set) and exits with N. Real agents are tested separately.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SCRIPT = String.raw`#!/usr/bin/env node
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const name = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const report = process.env.STANDIN_REPORT;
const mode = process.env.STANDIN_MODE || 'request';
const pick = (keys) => Object.fromEntries(keys.map((k) => [k, process.env[k]]));
const state = {
  name,
  args,
  env: pick(['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ENABLE_TOOL_SEARCH', 'OPENAI_API_BASE', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'NO_PROXY', 'no_proxy', 'HTTPS_PROXY', 'CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS', 'GOOGLE_GEMINI_BASE_URL', 'GEMINI_CLI_HOME', 'GEMINI_CLI_SYSTEM_SETTINGS_PATH']),
  // Gemini CLI reads its settings from a file: the one wrap gave it, as it was at launch.
  geminiSettings: name === 'gemini' ? (() => {
    const file = process.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH || path.join(process.env.GEMINI_CLI_HOME || process.env.HOME, '.gemini', 'settings.json');
    try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
  })() : undefined,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  signals: [],
};
const save = () => { if (report) fs.writeFileSync(report, JSON.stringify(state)); };
if (args[0] === '--version') { process.stdout.write(name + ' 9.9.9-standin\n'); process.exit(0); }
save();

const toolOutput = process.env.STANDIN_TOOL_OUTPUT ? fs.readFileSync(process.env.STANDIN_TOOL_OUTPUT, 'utf8') : 'short output';
const question = 'Which test fails and why?';

async function call(url, headers, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error('model call failed: ' + res.status + ' ' + text);
  return JSON.parse(text);
}

async function request() {
  if (name === 'claude') {
    const reply = await call(process.env.ANTHROPIC_BASE_URL + '/v1/messages?beta=true', { 'x-api-key': process.env.ANTHROPIC_API_KEY || 'sk-test', 'anthropic-version': '2023-06-01' }, {
      model: 'claude-sonnet-4-6', max_tokens: 100, stream: false,
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: toolOutput }] },
      ],
    });
    return reply.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  }
  if (name === 'codex') {
    const i = args.indexOf('-c');
    const base = /^openai_base_url="(.*)"$/.exec(args[i + 1] || '');
    if (!base) throw new Error('no openai_base_url override before the user arguments: ' + JSON.stringify(args));
    const reply = await call(base[1] + '/responses', { authorization: 'Bearer ' + (process.env.OPENAI_API_KEY || 'sk-test') }, {
      model: 'gpt-5', stream: false,
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] },
        { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"npm test"}' },
        { type: 'function_call_output', call_id: 'call_1', output: toolOutput },
      ],
    });
    return (reply.output || []).flatMap((o) => o.content || []).map((c) => c.text || '').join('');
  }
  const reply = await call(process.env.OPENAI_API_BASE + '/chat/completions', { authorization: 'Bearer ' + (process.env.OPENAI_API_KEY || 'sk-test') }, {
    model: 'gpt-5', stream: false,
    messages: [
      { role: 'user', content: question },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: toolOutput },
    ],
  });
  return reply.choices[0].message.content;
}

if (mode === 'request') {
  request().then((text) => {
    process.stdout.write('agent says: ' + text + '\n');
    process.stderr.write('agent stderr line\n');
    if (process.env.STANDIN_SAY) process.stdout.write(process.env.STANDIN_SAY + '\n');
  }, (error) => {
    process.stderr.write(String(error && error.stack || error) + '\n');
    process.exit(3);
  });
} else if (mode === 'wait') {
  const onSignal = (signal) => {
    state.signals.push(signal);
    save();
    // SIGINT: die of it, as a shell tool does; SIGTERM: clean up and exit 0, as some agents do.
    if (signal === 'SIGINT') { process.removeAllListeners('SIGINT'); process.kill(process.pid, 'SIGINT'); }
    else process.exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  state.ready = true;
  save();
  setInterval(() => {}, 1000);
  // A relaunched child nobody stops (the case under test) must still not outlive the test.
  if (process.env.STANDIN_RELAUNCHED) setTimeout(() => process.exit(0), 20000).unref();
} else if (mode === 'relaunch') {
  // As Qwen Code and Gemini CLI start: the agent proper runs in a child on the same stdio, and the
  // launcher, which has no signal handlers, only waits for it.
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, STANDIN_MODE: 'wait', STANDIN_RELAUNCHED: '1' },
  });
  child.on('close', (code) => process.exit(code ?? 1));
} else if (mode.startsWith('exit:')) {
  // STANDIN_SAY as given, final newline or not, as an agent stopped mid-line leaves it.
  process.stdout.write(process.env.STANDIN_SAY || '', () => process.exit(Number(mode.slice(5))));
}
`;

/** Writes stand-ins for all the agents into `dir` and returns it (put it first on PATH). */
export async function writeStandInAgents(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  // Extensionless scripts take their module type from the nearest package.json; pin it.
  await writeFile(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  for (const name of ['claude', 'codex', 'aider', 'gemini']) {
    const file = path.join(dir, name);
    await writeFile(file, SCRIPT);
    await chmod(file, 0o755);
  }
  return dir;
}

export interface StandInReport {
  readonly name: string;
  readonly args: string[];
  readonly env: Record<string, string | undefined>;
  /** Gemini only: the settings file wrap gave it, parsed. */
  readonly geminiSettings?: Record<string, unknown>;
  readonly stdoutIsTTY: boolean;
  readonly signals: string[];
  readonly ready?: boolean;
}
