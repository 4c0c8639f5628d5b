import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CODEX_TOOL_OUTPUT_TOKEN_LIMIT,
  codexSetsOption,
  findExecutable,
  planLaunch,
  userUpstreams,
  withNoProxy,
} from '../../src/cli/agents.js';
import { upstreamUrl } from '../../src/proxy/options.js';

const proxyUrl = 'http://127.0.0.1:40123';

describe('planLaunch for Claude Code', () => {
  it('points it at the proxy without /v1 and keeps every argument as given', () => {
    const args = [
      '-p',
      'fix it; rm -rf "$HOME"',
      '--dangerously-skip-permissions',
      '--permission-mode',
      'plan',
    ];
    const plan = planLaunch('claude', args, {
      proxyUrl,
      env: { ANTHROPIC_API_KEY: 'sk-test' },
      codexBudget: true,
    });
    expect(plan.command).toBe('claude');
    expect(plan.args).toEqual(args);
    expect(plan.env.ANTHROPIC_BASE_URL).toBe(proxyUrl);
    expect(plan.env.ANTHROPIC_API_KEY).toBe('sk-test');
    expect(plan.env.ENABLE_TOOL_SEARCH).toBe('true');
  });

  it("keeps the user's own ENABLE_TOOL_SEARCH and never adds a second credential", () => {
    const plan = planLaunch('claude', [], {
      proxyUrl,
      env: { ENABLE_TOOL_SEARCH: 'false', ANTHROPIC_AUTH_TOKEN: 'tok' },
      codexBudget: true,
    });
    expect(plan.env.ENABLE_TOOL_SEARCH).toBe('false');
    expect(plan.env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(plan.env.ANTHROPIC_AUTH_TOKEN).toBe('tok');
  });
});

describe('planLaunch for Codex', () => {
  it('routes it with -c overrides placed before the subcommand, since it ignores OPENAI_BASE_URL', () => {
    const plan = planLaunch('codex', ['exec', '--skip-git-repo-check', 'why?'], {
      proxyUrl,
      env: {},
      codexBudget: true,
    });
    expect(plan.args).toEqual([
      '--no-daemon',
      '-c',
      `openai_base_url="${proxyUrl}/v1"`,
      '-c',
      `tool_output_token_limit=${CODEX_TOOL_OUTPUT_TOKEN_LIMIT}`,
      'exec',
      '--skip-git-repo-check',
      'why?',
    ]);
    expect(plan.env.OPENAI_BASE_URL).toBeUndefined();
  });

  it("leaves Codex's own output cap alone with --no-codex-budget or when the user set it", () => {
    const off = planLaunch('codex', ['exec', 'x'], { proxyUrl, env: {}, codexBudget: false });
    expect(off.args).toEqual(['--no-daemon', '-c', `openai_base_url="${proxyUrl}/v1"`, 'exec', 'x']);
    const userArg = planLaunch('codex', ['-c', 'tool_output_token_limit=5000', 'exec', 'x'], {
      proxyUrl,
      env: {},
      codexBudget: true,
    });
    expect(userArg.args.filter((a) => a.startsWith('tool_output_token_limit'))).toEqual([
      'tool_output_token_limit=5000',
    ]);
    const userConfig = planLaunch('codex', ['exec', 'x'], {
      proxyUrl,
      env: {},
      codexBudget: true,
      codexConfig: 'model = "gpt-5"\ntool_output_token_limit = 20000\n',
    });
    expect(userConfig.args).toEqual(['--no-daemon', '-c', `openai_base_url="${proxyUrl}/v1"`, 'exec', 'x']);
  });

  it('says --no-daemon (the in-process server `-c` needs anyway, without the warning) unless the user chose', () => {
    const own = planLaunch('codex', ['--no-daemon', 'resume', '--last'], {
      proxyUrl,
      env: {},
      codexBudget: false,
    });
    expect(own.args.filter((a) => a === '--no-daemon')).toHaveLength(1);
    const remote = planLaunch('codex', ['--remote', 'ws://127.0.0.1:4500'], {
      proxyUrl,
      env: {},
      codexBudget: false,
    });
    expect(remote.args).not.toContain('--no-daemon');
  });
});

describe('planLaunch for Aider', () => {
  it('sets OPENAI_API_BASE with /v1 and ANTHROPIC_BASE_URL without, and adds no flags', () => {
    const plan = planLaunch('aider', ['--model', 'gpt-5', '--yes'], { proxyUrl, env: {}, codexBudget: true });
    expect(plan.args).toEqual(['--model', 'gpt-5', '--yes']);
    expect(plan.env.OPENAI_API_BASE).toBe(`${proxyUrl}/v1`);
    expect(plan.env.ANTHROPIC_BASE_URL).toBe(proxyUrl);
  });
});

describe('planLaunch for Gemini CLI', () => {
  it('sets GOOGLE_GEMINI_BASE_URL without /v1beta, adds the session settings, keeps the key and arguments', () => {
    const plan = planLaunch('gemini', ['-p', 'why?', '--yolo'], {
      proxyUrl,
      env: { GEMINI_API_KEY: 'AIza-test' },
      codexBudget: false,
      sessionSettings: {
        env: { GEMINI_CLI_HOME: '/state/s1/home' },
        injected: ['GEMINI_CLI_HOME=/state/s1/home'],
      },
    });
    expect(plan.command).toBe('gemini');
    expect(plan.args).toEqual(['-p', 'why?', '--yolo']);
    expect(plan.env).toMatchObject({
      GOOGLE_GEMINI_BASE_URL: proxyUrl,
      GEMINI_API_KEY: 'AIza-test',
      GEMINI_CLI_HOME: '/state/s1/home',
    });
    expect(plan.injected).toContain('GEMINI_CLI_HOME=/state/s1/home');
  });

  it("forwards to the user's own GOOGLE_GEMINI_BASE_URL", () => {
    expect(userUpstreams('gemini', { GOOGLE_GEMINI_BASE_URL: 'https://gateway.corp/gemini/' })).toEqual({
      gemini: 'https://gateway.corp/gemini',
    });
    expect(userUpstreams('claude', { GOOGLE_GEMINI_BASE_URL: 'https://gateway.corp/gemini' })).toEqual({});
  });
});

describe('planLaunch for Qwen Code', () => {
  it('routes it with OPENAI_BASE_URL (with /v1), keeps the user’s key and model, and adds no flags', () => {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'qwen3-coder-plus' };
    const plan = planLaunch('qwen', ['-p', 'why?', '--yolo'], {
      proxyUrl,
      env,
      codexBudget: true,
      sessionSettings: {
        env: { QWEN_CODE_SYSTEM_SETTINGS_PATH: '/tmp/headroom-qwen-x/settings.json' },
        injected: ['QWEN_CODE_SYSTEM_SETTINGS_PATH=/tmp/headroom-qwen-x/settings.json'],
      },
    });
    expect(plan.command).toBe('qwen');
    expect(plan.args).toEqual(['-p', 'why?', '--yolo']);
    expect(plan.env).toMatchObject({ ...env, OPENAI_BASE_URL: `${proxyUrl}/v1` });
    expect(plan.env.QWEN_CODE_SYSTEM_SETTINGS_PATH).toBe('/tmp/headroom-qwen-x/settings.json');
    expect(plan.injected).toEqual([
      'NO_PROXY/no_proxy += 127.0.0.1,localhost',
      `OPENAI_BASE_URL=${proxyUrl}/v1`,
      'QWEN_CODE_SYSTEM_SETTINGS_PATH=/tmp/headroom-qwen-x/settings.json',
    ]);
    const own = planLaunch('qwen', [], { proxyUrl, env, codexBudget: false });
    expect(own.env.QWEN_CODE_SYSTEM_SETTINGS_PATH).toBeUndefined();
  });
});

describe('planLaunch for opencode', () => {
  it('gives it the session’s config and leaves the arguments as they are', () => {
    const plan = planLaunch('opencode', ['run', '-m', 'headroom/gpt-5', 'why?'], {
      proxyUrl,
      env: { OPENAI_API_KEY: 'sk-test' },
      codexBudget: true,
      sessionSettings: {
        env: { OPENCODE_CONFIG_CONTENT: '{"provider":{}}' },
        injected: ['OPENCODE_CONFIG_CONTENT={"provider":{}}'],
      },
    });
    expect(plan.command).toBe('opencode');
    expect(plan.args).toEqual(['run', '-m', 'headroom/gpt-5', 'why?']);
    expect(plan.env.OPENCODE_CONFIG_CONTENT).toBe('{"provider":{}}');
    expect(plan.env.OPENAI_API_KEY).toBe('sk-test');
  });
});

describe('withNoProxy', () => {
  it('adds the loopback names to both spellings and keeps existing entries', () => {
    const env = withNoProxy({ NO_PROXY: 'corp.example,localhost', HTTPS_PROXY: 'http://proxy:3128' });
    expect(env.NO_PROXY).toBe('corp.example,localhost,127.0.0.1');
    expect(env.no_proxy).toBe(env.NO_PROXY);
    expect(env.HTTPS_PROXY).toBe('http://proxy:3128');
    expect(withNoProxy({}).NO_PROXY).toBe('127.0.0.1,localhost');
  });
});

describe('codexSetsOption', () => {
  it('recognises -c, --config and --config= spellings', () => {
    expect(codexSetsOption(['-c', 'foo=1'], 'foo')).toBe(true);
    expect(codexSetsOption(['--config', 'foo=1'], 'foo')).toBe(true);
    expect(codexSetsOption(['--config=foo=1'], 'foo')).toBe(true);
    expect(codexSetsOption(['-cfoo=1'], 'foo')).toBe(true);
    expect(codexSetsOption(['-c', 'foobar=1'], 'foo')).toBe(false);
    expect(codexSetsOption(['exec', 'foo=1'], 'foo')).toBe(false);
  });
});

describe('userUpstreams', () => {
  it('forwards Qwen Code and opencode where OPENAI_BASE_URL pointed (DashScope, a gateway), without /v1', () => {
    const dashscope = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
    expect(userUpstreams('qwen', { OPENAI_BASE_URL: dashscope })).toEqual({
      openai: 'https://dashscope.aliyuncs.com/compatible-mode',
    });
    expect(userUpstreams('opencode', { OPENAI_BASE_URL: 'http://127.0.0.1:4000/v1/' })).toEqual({
      openai: 'http://127.0.0.1:4000',
    });
    // A provider whose OpenAI-compatible base ends in its own version gets the request there, as the
    // agent alone would have sent it (not `/api/paas/v4/v1/chat/completions`).
    for (const [base, sent] of [
      ['https://open.bigmodel.cn/api/paas/v4', 'https://open.bigmodel.cn/api/paas/v4/chat/completions'],
      [
        'https://ark.cn-beijing.volces.com/api/v3/',
        'https://ark.cn-beijing.volces.com/api/v3/chat/completions',
      ],
      [dashscope, 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions'],
      ['https://api.deepseek.com', 'https://api.deepseek.com/v1/chat/completions'],
    ] as const) {
      const upstream = userUpstreams('qwen', { OPENAI_BASE_URL: base }).openai!;
      expect(upstreamUrl(new URL(upstream), '/v1/chat/completions').href).toBe(sent);
    }
    // Qwen Code does not read aider's variable.
    expect(userUpstreams('qwen', { OPENAI_API_BASE: 'http://x/v1' })).toEqual({});
  });

  it('forwards to a base URL the user had already set instead of silently going to the public API', () => {
    expect(userUpstreams('claude', { ANTHROPIC_BASE_URL: 'https://gateway.corp/anthropic/' })).toEqual({
      anthropic: 'https://gateway.corp/anthropic',
    });
    expect(userUpstreams('aider', { OPENAI_API_BASE: 'http://127.0.0.1:4000/v1' })).toEqual({
      openai: 'http://127.0.0.1:4000',
    });
    expect(userUpstreams('codex', { OPENAI_BASE_URL: 'http://x/v1' })).toEqual({});
  });
});

describe('findExecutable', () => {
  it('finds an executable file on PATH and skips non-executable ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-path-'));
    const first = path.join(dir, 'a');
    const second = path.join(dir, 'b');
    await mkdir(first);
    await mkdir(second);
    await writeFile(path.join(first, 'claude'), 'not executable');
    await writeFile(path.join(second, 'claude'), '#!/bin/sh\n');
    await chmod(path.join(second, 'claude'), 0o755);
    const env = { PATH: [first, second].join(path.delimiter) };
    expect(await findExecutable('claude', env)).toBe(path.join(second, 'claude'));
    expect(await findExecutable('codex', env)).toBeUndefined();
  });
});
