import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT, runCli } from '../../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import { type FakeOpenAI, startFakeOpenAI } from '../../helpers/fake-openai.js';
import { testLog } from '../../helpers/outputs.js';
import { type StandInReport, writeStandInAgents } from '../../helpers/stand-in-agent.js';

let work: string;
let env: Record<string, string>;
let anthropic: FakeAnthropic;
let openai: FakeOpenAI;

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hr-wrap-'));
  const bin = await writeStandInAgents(path.join(work, 'bin'));
  const output = path.join(work, 'tool-output.txt');
  await writeFile(output, testLog(1200));
  anthropic = await startFakeAnthropic({ fallback: { kind: 'text', text: 'the discount test fails' } });
  openai = await startFakeOpenAI({ fallback: { kind: 'text', text: 'the discount test fails' } });
  env = cleanEnv({
    PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`,
    HEADROOM_HOME: path.join(work, 'home'),
    HEADROOM_ANTHROPIC_UPSTREAM: anthropic.url,
    HEADROOM_OPENAI_UPSTREAM: openai.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    OPENAI_API_KEY: 'sk-openai-test',
    STANDIN_REPORT: path.join(work, 'report.json'),
    STANDIN_TOOL_OUTPUT: output,
  });
});

afterEach(async () => {
  await anthropic.close();
  await openai.close();
});

async function report(): Promise<StandInReport> {
  return JSON.parse(await readFile(env.STANDIN_REPORT!, 'utf8')) as StandInReport;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends `signal` to `headroom wrap claude` once its (waiting) agent runs; what the agent saw, and the exit code. */
async function signalWrap(
  signal: NodeJS.Signals,
  mode = 'wait',
): Promise<{ exitCode: number | undefined; signals: StandInReport['signals'] }> {
  const child = execa('node', [BIN, 'wrap', 'claude'], {
    env: { ...env, STANDIN_MODE: mode },
    extendEnv: false,
    reject: false,
    cwd: ROOT,
    stdin: 'ignore',
  });
  await waitFor(async () => (await report()).ready === true, 'the agent to start');
  child.kill(signal);
  const { exitCode } = await child;
  return { exitCode, signals: (await report()).signals };
}

describe('headroom wrap', () => {
  it('runs Claude Code through the proxy: compressed tool output upstream, output forwarded, summary on stderr', async () => {
    const args = ['-p', 'fix it; "quoted" $HOME', '--dangerously-skip-permissions', '--model', 'x'];
    const result = await runCli(['wrap', 'claude', ...args], { env });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    const seen = await report();
    expect(seen.args).toEqual(args);
    expect(seen.env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.env.ENABLE_TOOL_SEARCH).toBe('true');
    expect(seen.env.ANTHROPIC_API_KEY).toBe('sk-ant-test');
    expect(seen.env.NO_PROXY).toBe('127.0.0.1,localhost');

    const upstream = anthropic.messageRequests();
    expect(upstream).toHaveLength(1);
    const sent = JSON.stringify(upstream[0]!.json());
    expect(sent).toContain('AssertionError: expected 90 to be 81');
    expect(upstream[0]!.body.length).toBeLessThan(testLog(1200).length / 3);

    expect(result.stdout).toBe('agent says: the discount test fails');
    expect(result.stderr).toContain('agent stderr line');
    expect(result.stderr).toMatch(/headroom · claude session/);
    expect(result.stderr).toMatch(/requests\s+1/);
    expect(result.stderr).toMatch(/input tokens\s+[\d,]+ → [\d,]+\s+saved [\d,]+ \(\d+\.\d%\)/);
    expect(result.stderr).toMatch(/money saved\s+\$\d+\.\d\d at API list price \(claude-sonnet-4-6/);
    expect(result.stderr).toContain(path.join(work, 'home', 'ledger.jsonl'));
  });

  it('routes Codex with -c before its arguments and lifts its own output cap', async () => {
    const result = await runCli(['wrap', 'codex', 'exec', '--skip-git-repo-check', 'why?'], { env });
    expect(result.exitCode).toBe(0);
    const seen = await report();
    expect(seen.args.slice(0, 5)).toEqual([
      '--no-daemon',
      '-c',
      expect.stringMatching(/^openai_base_url="http:\/\/127\.0\.0\.1:\d+\/v1"$/),
      '-c',
      'tool_output_token_limit=200000',
    ]);
    expect(seen.args.slice(5)).toEqual(['exec', '--skip-git-repo-check', 'why?']);
    expect(openai.modelRequests()).toHaveLength(1);
    expect(result.stdout).toContain('agent says: the discount test fails');
  });

  it('holds Codex command outputs to --tool-output-budget and keeps the failing assertion', async () => {
    const header =
      'Chunk ID: 7f3a\nWall time: 4.2 seconds\nProcess exited with code 1\nOriginal token count: 30000\nOutput:\n';
    await writeFile(env.STANDIN_TOOL_OUTPUT!, header + testLog(1200));
    const result = await runCli(['wrap', '--tool-output-budget', '4000', 'codex', 'exec', 'x'], { env });
    expect(result.exitCode).toBe(0);
    const body = openai.modelRequests()[0]!.json<{ input: { type: string; output?: string }[] }>();
    const output = body.input.find((item) => item.type === 'function_call_output')?.output ?? '';
    expect(output.length).toBeLessThanOrEqual(4000);
    expect(output).toContain('Process exited with code 1');
    expect(output).toContain('AssertionError: expected 90 to be 81');
  });

  it('refuses a tool-output budget too small to hold anything', async () => {
    const result = await runCli(['wrap', '--tool-output-budget', '50', 'codex', 'exec', 'x'], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'Expected `--tool-output-budget` to be an integer of at least 1000, got `50`.',
    );
  });

  it('keeps Codex’s cap when asked with --no-codex-budget', async () => {
    await runCli(['wrap', '--no-codex-budget', 'codex', 'exec', 'x'], { env });
    expect((await report()).args.join(' ')).not.toContain('tool_output_token_limit');
  });

  it('points Aider at the proxy through OPENAI_API_BASE and ANTHROPIC_BASE_URL', async () => {
    const result = await runCli(['wrap', 'aider', '--model', 'gpt-5'], { env });
    expect(result.exitCode).toBe(0);
    const seen = await report();
    expect(seen.args).toEqual(['--model', 'gpt-5']);
    expect(seen.env.OPENAI_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(seen.env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(openai.modelRequests()).toHaveLength(1);
  });

  it('routes Gemini CLI with settings for the session only, says when GEMINI_API_KEY is missing, and removes them', async () => {
    const home = path.join(work, 'user');
    await mkdir(path.join(home, '.gemini'), { recursive: true });
    await writeFile(path.join(home, '.gemini', 'settings.json'), '{"ui": {"theme": "GitHub"}}');
    const result = await runCli(['wrap', 'gemini', '--yolo'], {
      env: { ...env, HOME: home, STANDIN_MODE: 'exit:7' },
    });
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toContain(
      'GEMINI_API_KEY is not set: `wrap gemini` routes Gemini API-key traffic only',
    );
    const seen = await report();
    expect(seen.args).toEqual(['--yolo']);
    expect(seen.env.GOOGLE_GEMINI_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.geminiSettings).toEqual({
      ui: { theme: 'GitHub' },
      security: { auth: { selectedType: 'gemini-api-key' } },
      tools: { truncateToolOutputThreshold: 0, shell: { enableInteractiveShell: false } },
    });
    // The session's settings are gone, the user's own untouched.
    const used = seen.env.GEMINI_CLI_HOME ?? seen.env.GEMINI_CLI_SYSTEM_SETTINGS_PATH;
    expect(used).toContain(path.join(work, 'home', 'agent-settings'));
    await expect(stat(used!)).rejects.toThrow();
    expect(await readFile(path.join(home, '.gemini', 'settings.json'), 'utf8')).toBe(
      '{"ui": {"theme": "GitHub"}}',
    );
  });

  it('passes options meant for the agent through, dropping only a leading --', async () => {
    await runCli(['wrap', 'claude', '--', '--help', '--port', '1'], {
      env: { ...env, STANDIN_MODE: 'exit:0' },
    });
    expect((await report()).args).toEqual(['--help', '--port', '1']);
  });

  it('exits with the agent’s exit code', async () => {
    const result = await runCli(['wrap', 'claude'], { env: { ...env, STANDIN_MODE: 'exit:7' } });
    expect(result.exitCode).toBe(7);
    expect(result.stderr).toMatch(/requests\s+none went through the proxy/);
  });

  it('starts the summary on a line of its own when the agent’s output ended mid-line', async () => {
    const cut = await runCli(['wrap', 'claude'], {
      env: { ...env, STANDIN_MODE: 'exit:130', STANDIN_SAY: 'Execution error' },
    });
    expect(cut.exitCode).toBe(130);
    expect(cut.stdout).toBe('Execution error');
    expect(cut.stderr).toMatch(/^\nheadroom · claude session\n/);
    const whole = await runCli(['wrap', 'claude'], {
      env: { ...env, STANDIN_MODE: 'exit:0', STANDIN_SAY: 'Done.\n' },
    });
    expect(whole.stderr).toMatch(/^headroom · claude session\n/);
  });

  it('extends an existing NO_PROXY instead of replacing it', async () => {
    await runCli(['wrap', 'claude'], {
      env: {
        ...env,
        STANDIN_MODE: 'exit:0',
        NO_PROXY: 'corp.example',
        HTTPS_PROXY: 'http://proxy.invalid:3128',
      },
    });
    const seen = await report();
    expect(seen.env.NO_PROXY).toBe('corp.example,127.0.0.1,localhost');
    expect(seen.env.no_proxy).toBe(seen.env.NO_PROXY);
  });

  it('names the install command and exits 127 when the agent is not installed', async () => {
    const result = await runCli(['wrap', 'claude', '-p', 'hi'], {
      env: { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin` },
    });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('Install it with: npm install -g @anthropic-ai/claude-code');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names Qwen Code’s and opencode’s install commands when they are not installed', async () => {
    const bare = { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin` };
    const qwen = await runCli(['wrap', 'qwen', '-p', 'hi'], { env: bare });
    expect([qwen.exitCode, qwen.stderr.trim()]).toEqual([
      127,
      'error: Qwen Code (`qwen`) is not on your PATH. Install it with: npm install -g @qwen-code/qwen-code',
    ]);
    const opencode = await runCli(['wrap', 'opencode', 'run', 'hi'], { env: bare });
    expect(opencode.exitCode).toBe(127);
    expect(opencode.stderr).toContain('Install it with: npm install -g opencode-ai');
  });

  it('warns when opencode’s model is another provider’s, which does not go through headroom', async () => {
    const bin = path.join(work, 'bin-opencode');
    await mkdir(bin);
    await writeFile(path.join(bin, 'opencode'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const run = (model: string) =>
      runCli(['wrap', 'opencode', 'run', '-m', model, 'hi'], {
        env: { ...env, PATH: `${bin}${path.delimiter}${env.PATH}` },
      });
    const direct = await run('openai/gpt-5');
    expect(direct.exitCode).toBe(0);
    expect(direct.stderr).toContain(
      "opencode's model `openai/gpt-5` is not headroom's: its requests go straight to its provider",
    );
    expect(direct.stderr).toContain('-m headroom/gpt-5');
    expect((await run('headroom/gpt-5')).stderr).not.toContain('warning');
  });

  it('names the process holding a pinned port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['wrap', '--port', String(port), 'claude'], { env });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`port ${port} is in use by PID ${process.pid}`);
      await expect(readFile(env.STANDIN_REPORT!, 'utf8')).rejects.toThrow();
    } finally {
      blocker.close();
    }
  });

  it('stops with one line, before the agent starts, when the state directory cannot exist', async () => {
    const file = path.join(work, 'a-file');
    await writeFile(file, '');
    const result = await runCli(['wrap', 'claude'], { env: { ...env, HEADROOM_HOME: file } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(`error: cannot mkdir ${file}: a file is in the way.`);
    await expect(readFile(env.STANDIN_REPORT!, 'utf8')).rejects.toThrow();
  });

  it('finishes the session when the --log-file cannot be written', async () => {
    const blocked = path.join(work, 'a-file');
    await writeFile(blocked, '');
    const log = path.join(blocked, 'wrap.log');
    const result = await runCli(['wrap', '--verbose', '--log-file', log, 'claude'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/ENOTDIR|\n\s+at /);
    await expect(readFile(env.STANDIN_REPORT!, 'utf8')).resolves.toContain('ANTHROPIC_BASE_URL');
    expect(anthropic.messageRequests().length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/requests\s+\d/);
  });

  it('rejects an unknown agent', async () => {
    const result = await runCli(['wrap', 'cursor'], { env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown agent `cursor`');
  });

  it('passes SIGINT on to the agent and exits 130', async () => {
    const { exitCode, signals } = await signalWrap('SIGINT');
    expect(signals).toEqual(['SIGINT']);
    expect(exitCode).toBe(130);
  });

  it('exits 143 after SIGTERM even when the agent exits 0', async () => {
    const { exitCode, signals } = await signalWrap('SIGTERM');
    expect(signals).toEqual(['SIGTERM']);
    expect(exitCode).toBe(143);
  });

  it('stops an agent that runs in a child of its launcher (Qwen Code, Gemini CLI) when wrap gets SIGTERM', async () => {
    // Piped, the agent runs in a process group of its own, and the signal goes to the whole group: the
    // launcher alone would die of it and leave the agent proper running, holding wrap's pipes.
    const { exitCode, signals } = await signalWrap('SIGTERM', 'relaunch');
    expect(signals).toEqual(['SIGTERM']);
    expect(exitCode).toBe(143);
  });

  it('runs two wraps at once into one ledger, each with its own proxy and session', async () => {
    const [a, b] = await Promise.all([
      runCli(['wrap', 'claude'], { env: { ...env, STANDIN_REPORT: path.join(work, 'a.json') } }),
      runCli(['wrap', 'aider'], { env: { ...env, STANDIN_REPORT: path.join(work, 'b.json') } }),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const urlA = JSON.parse(await readFile(path.join(work, 'a.json'), 'utf8')).env.ANTHROPIC_BASE_URL;
    const urlB = JSON.parse(await readFile(path.join(work, 'b.json'), 'utf8')).env.ANTHROPIC_BASE_URL;
    expect(urlA).not.toBe(urlB);
    const stats = await runCli(['stats', 'session', '--json'], { env });
    const data = JSON.parse(stats.stdout);
    expect(data.skippedLines).toBe(0);
    expect(
      data.rows.map((r: { agents: string[]; requests: number }) => [r.agents, r.requests]).sort(),
    ).toEqual([
      [['aider'], 1],
      [['claude'], 1],
    ]);
  });

  it('writes one savings line per request to the log file with --verbose, not to the terminal', async () => {
    const log = path.join(work, 'wrap.log');
    const result = await runCli(['wrap', '--verbose', '--log-file', log, 'claude'], { env });
    expect(result.exitCode).toBe(0);
    const text = await readFile(log, 'utf8');
    const lines = text.split('\n').filter((line) => line.includes('/v1/messages'));
    // Each request once, however many parts of headroom see it.
    expect(lines).toHaveLength(anthropic.messageRequests().length);
    expect(lines[0]).toMatch(
      /anthropic claude-sonnet-4-6 \/v1\/messages 200 [\d,]+→[\d,]+ tokens \(saved [<>]?\d+\.\d%\)/,
    );
    expect(result.stderr).not.toMatch(/\/v1\/messages 200/);
    expect(result.stderr).toContain(`log           ${log}`);
  });

  it('writes no per-request lines without --verbose', async () => {
    const log = path.join(work, 'quiet.log');
    const result = await runCli(['wrap', '--log-file', log, 'claude'], { env });
    expect(result.exitCode).toBe(0);
    await expect(readFile(log, 'utf8')).rejects.toThrow(/ENOENT/);
    expect(result.stderr).not.toContain(`log           ${log}`);
  });

  it('measures without compressing under --no-optimize', async () => {
    const result = await runCli(['wrap', '--no-optimize', 'claude'], { env });
    expect(result.exitCode).toBe(0);
    expect(anthropic.messageRequests()[0]!.body.toString('utf8')).toContain(
      JSON.stringify(testLog(1200)).slice(1, -1),
    );
    expect(result.stderr).toContain('optimization off');
    // Nothing is held to a budget, so Claude Code keeps its own Read cap.
    expect((await report()).env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS).toBeUndefined();
  });

  it('lifts Claude Code’s Read cap unless the user set it, or under --no-claude-budget', async () => {
    expect((await runCli(['wrap', 'claude'], { env })).exitCode).toBe(0);
    expect((await report()).env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS).toBe('1000000');
    const own = { ...env, CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS: '40000' };
    expect((await runCli(['wrap', 'claude'], { env: own })).exitCode).toBe(0);
    expect((await report()).env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS).toBe('40000');
    expect((await runCli(['wrap', '--no-claude-budget', 'claude'], { env })).exitCode).toBe(0);
    expect((await report()).env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS).toBeUndefined();
    const tiny = await runCli(['wrap', '--read-budget', '10', 'claude'], { env });
    expect(tiny.exitCode).toBe(2);
    expect(tiny.stderr).toContain('--read-budget');
  });

  it('prints the wrapped form of the resume command the agent printed', async () => {
    const id = '3f1c9a52-7d0e-4b8a-9c61-2e5f0a7b8c9d';
    const result = await runCli(['wrap', 'claude'], {
      env: { ...env, STANDIN_SAY: `Resume this session with:\n\u001b[1mclaude --resume ${id}\u001b[22m` },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`headroom wrap claude --resume ${id}`);
    const codex = await runCli(['wrap', 'codex', 'exec', 'hi'], {
      env: { ...env, STANDIN_SAY: `To continue this session, run codex resume ${id}` },
    });
    expect(codex.stderr).toContain(`headroom wrap codex resume ${id}`);
    expect((await runCli(['wrap', 'claude'], { env })).stderr).not.toContain('to resume through headroom');
  });

  it('says the provider was unreachable, in the summary and the request line, never "nothing-to-compress"', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const upstream = `http://127.0.0.1:${closed}`;
    const log = path.join(work, 'wrap.log');
    const result = await runCli(['wrap', '--verbose', '--log-file', log, 'claude'], {
      env: { ...env, HEADROOM_ANTHROPIC_UPSTREAM: upstream, STANDIN_TOOL_OUTPUT: '' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `unreachable   1 request failed: the provider could not be reached (${upstream}/)`,
    );
    expect(result.stderr).not.toContain('nothing-to-compress');
    expect(await readFile(log, 'utf8')).toMatch(/\/v1\/messages 502 [\d,]+ tokens upstream-unreachable/);
  });
});
