import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  layered,
  OPENCODE_LIFTED_OUTPUT,
  opencodeModelArg,
  opencodeSettings,
  openSessionFolder,
  QWEN_LIFTED_CUTS,
  readQwenSystemSettings,
  userOpencodeConfig,
  writeQwenSettings,
} from '../../../src/cli/wrap/agent-config.js';
import { type WrapFlags, wrapSettings } from '../../../src/cli/wrap/settings.js';

const proxyUrl = 'http://127.0.0.1:40123';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hr-agent-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Qwen Code session settings', () => {
  it('lays the lifted cuts over the system settings Qwen Code would have read, in a private file', async () => {
    const admin = path.join(dir, 'system.json');
    await writeFile(
      admin,
      JSON.stringify({ tools: { sandbox: true, shell: { pager: 'cat' } }, ui: { theme: 'x' } }),
    );
    const base = await readQwenSystemSettings({ QWEN_CODE_SYSTEM_SETTINGS_PATH: admin });
    const session = await writeQwenSettings(base, path.join(dir, 'agent-settings', 'qwen-1'));
    const file = session.env.QWEN_CODE_SYSTEM_SETTINGS_PATH!;
    expect(file).toBe(path.join(dir, 'agent-settings', 'qwen-1', 'settings.json'));
    expect(session.injected).toEqual([`QWEN_CODE_SYSTEM_SETTINGS_PATH=${file}`]);
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written).toEqual({
      tools: {
        sandbox: true,
        truncateToolOutputThreshold: 0,
        truncateToolOutputLines: 0,
        shell: { pager: 'cat', enableInteractiveShell: false },
      },
      ui: { theme: 'x' },
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    await session.close();
    await expect(stat(path.dirname(file))).rejects.toThrow(/ENOENT/);
  });

  it('starts from nothing without system settings, and refuses ones it cannot read as JSON', async () => {
    expect(
      await readQwenSystemSettings({ QWEN_CODE_SYSTEM_SETTINGS_PATH: path.join(dir, 'none.json') }),
    ).toEqual({});
    const commented = path.join(dir, 'commented.json');
    await writeFile(commented, '// admin\n{"tools": {}}');
    await expect(readQwenSystemSettings({ QWEN_CODE_SYSTEM_SETTINGS_PATH: commented })).rejects.toMatchObject(
      {
        code: 'INVALID_INPUT',
        fix: expect.stringContaining('--no-qwen-budget'),
      },
    );
    expect(layered({}, QWEN_LIFTED_CUTS)).toEqual(QWEN_LIFTED_CUTS);
  });

  it('removes the folder a killed wrap left beside its own, and keeps a live one', async () => {
    const parent = path.join(dir, 'sweep');
    await leftover(parent, 'qwen-killed', '4194303', 3_600_000);
    await leftover(parent, 'qwen-live', String(process.pid), 3_600_000);
    const session = await writeQwenSettings({}, path.join(parent, 'qwen-new'));
    expect((await readdir(parent)).sort()).toEqual(['qwen-live', 'qwen-new']);
    await session.close();
  });
});

/** A session folder as a wrap leaves it: its owner's PID (if written yet), last changed `ageMs` ago. */
async function leftover(parent: string, name: string, pid: string | undefined, ageMs: number) {
  const folder = path.join(parent, name);
  await mkdir(path.join(folder, 'home'), { recursive: true });
  if (pid !== undefined) await writeFile(path.join(folder, 'wrap.pid'), pid);
  const then = new Date(Date.now() - ageMs);
  await utimes(folder, then, then);
}

describe('openSessionFolder', () => {
  it('removes the folders of wraps that are gone, and keeps those of live or just-starting ones', async () => {
    const parent = path.join(dir, 'agent-settings-sweep');
    await leftover(parent, 'killed', '4194303', 3_600_000);
    await leftover(parent, 'no-pid-old', undefined, 3_600_000);
    await leftover(parent, 'live', String(process.pid), 3_600_000);
    await leftover(parent, 'starting', undefined, 0);
    const own = path.join(parent, 'new');
    const close = await openSessionFolder(own);
    expect((await readdir(parent)).sort()).toEqual(['live', 'new', 'starting']);
    expect((await stat(own)).mode & 0o777).toBe(0o700);
    expect(await readFile(path.join(own, 'wrap.pid'), 'utf8')).toBe(String(process.pid));
    await close();
    expect((await readdir(parent)).sort()).toEqual(['live', 'starting']);
  });
});

describe('opencode session config', () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}, lift = true) => {
    const session = opencodeSettings(proxyUrl, args, env, lift, userOpencodeConfig(env));
    const config = session.env.OPENCODE_CONFIG_CONTENT!;
    if (env.OPENCODE_CONFIG_CONTENT === undefined)
      expect(session.injected).toEqual([`OPENCODE_CONFIG_CONTENT=${config}`]);
    return JSON.parse(config);
  };

  it('defines the headroom provider on the proxy, its key read by opencode from OPENAI_API_KEY', () => {
    const config = parse(['run', '-m', 'headroom/qwen3-coder', 'why?'], { OPENAI_API_KEY: 'sk-secret' });
    expect(config.provider.headroom).toEqual({
      name: 'headroom',
      npm: '@ai-sdk/openai-compatible',
      options: { baseURL: `${proxyUrl}/v1`, apiKey: '{env:OPENAI_API_KEY}' },
      models: { 'qwen3-coder': { name: 'qwen3-coder' } },
    });
    // The user's -m chooses; the config leaves the default model alone, and never holds the key itself.
    expect(config.model).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain('sk-secret');
    expect(config.tool_output).toEqual(OPENCODE_LIFTED_OUTPUT);
  });

  it('picks the default model when the user names none, and keeps opencode’s cut outside budget mode', () => {
    expect(parse(['run', 'why?']).model).toBe('headroom/gpt-5');
    expect(parse([], { OPENAI_MODEL: 'deepseek-chat' }).model).toBe('headroom/deepseek-chat');
    expect(parse([], {}, false).tool_output).toBeUndefined();
  });

  it('lays itself over the user’s own OPENCODE_CONFIG_CONTENT, and refuses one that is not JSON', () => {
    const user = JSON.stringify({
      provider: { mine: { npm: 'x' } },
      tool_output: { max_lines: 10 },
      theme: 'y',
    });
    const config = parse(['--model=headroom/gpt-5'], { OPENCODE_CONFIG_CONTENT: user });
    expect(Object.keys(config.provider)).toEqual(['mine', 'headroom']);
    expect(config.theme).toBe('y');
    expect(config.tool_output).toEqual(OPENCODE_LIFTED_OUTPUT);
    expect(() => userOpencodeConfig({ OPENCODE_CONFIG_CONTENT: '{nope' })).toThrow(/not JSON/);
    expect(() => userOpencodeConfig({ OPENCODE_CONFIG_CONTENT: '[]' })).toThrow(/not a JSON object/);
  });

  it('never logs the user’s own OPENCODE_CONFIG_CONTENT, which may hold a key, in the injected line', () => {
    const user = JSON.stringify({ provider: { anthropic: { options: { apiKey: 'sk-ant-literal-key' } } } });
    const env = { OPENCODE_CONFIG_CONTENT: user };
    const session = opencodeSettings(proxyUrl, [], env, true, userOpencodeConfig(env));
    // The agent gets the user's key (their config, laid under ours); the verbose log does not.
    expect(session.env.OPENCODE_CONFIG_CONTENT).toContain('sk-ant-literal-key');
    expect(session.injected.join('\n')).not.toContain('sk-ant-literal-key');
    expect(session.injected).toEqual([
      expect.stringMatching(
        /^OPENCODE_CONFIG_CONTENT=\{"provider":\{"headroom":.*\(laid over your OPENCODE_CONFIG_CONTENT\)$/,
      ),
    ]);
  });

  it('reads the model from -m, --model and --model=, the last one winning, up to a --', () => {
    expect(opencodeModelArg(['-m', 'a/b'])).toBe('a/b');
    expect(opencodeModelArg(['--model', 'a/b', '--model=c/d'])).toBe('c/d');
    expect(opencodeModelArg(['run', '--', '-m', 'a/b'])).toBeUndefined();
  });
});

describe('wrapSettings shell budgets', () => {
  const flags: WrapFlags = {
    optimize: true,
    codexBudget: true,
    geminiBudget: true,
    qwenBudget: true,
    opencodeBudget: true,
    claudeBudget: true,
    summary: true,
  };

  it('holds each agent to what it keeps by itself, opencode’s raw bash outputs included', () => {
    expect(wrapSettings('codex', [], flags, {}).compress).toEqual({ toolOutputBudget: 10_000 });
    expect(wrapSettings('gemini', [], flags, {}).compress).toEqual({ toolOutputBudget: 40_000 });
    expect(wrapSettings('qwen', [], flags, {}).compress).toEqual({ toolOutputBudget: 25_000 });
    expect(wrapSettings('opencode', [], flags, {}).compress).toEqual({
      toolOutputBudget: 51_200,
      shellTools: ['bash'],
    });
    const pinned = wrapSettings('qwen', [], { ...flags, toolOutputBudget: '8000' }, {});
    expect(pinned.compress).toEqual({ toolOutputBudget: 8000 });
  });

  it('leaves the agents their own cuts with --no-<agent>-budget or --no-optimize', () => {
    for (const [agent, off] of [
      ['gemini', { geminiBudget: false }],
      ['qwen', { qwenBudget: false }],
      ['opencode', { opencodeBudget: false }],
      ['qwen', { optimize: false }],
    ] as const) {
      const settings = wrapSettings(agent, [], { ...flags, ...off }, {});
      expect([settings.shellBudget, settings.compress]).toEqual([false, {}]);
    }
  });
});
