import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENTS } from '../../src/cli/agents.js';
import {
  checkAgent,
  checkBaseUrls,
  checkHttpProxy,
  checkKeys,
  checkLedger,
  checkMcp,
  checkNode,
  checkProxy,
  checkSavings,
  checkStateDir,
  checkTokenizer,
} from '../../src/cli/doctor-checks.js';
import { entry } from '../helpers/ledger-entries.js';

describe('doctor checks', () => {
  it('Node: passes on 20+, fails below with the fix', () => {
    expect(checkNode('v20.20.2').status).toBe('pass');
    expect(checkNode('v22.1.0').status).toBe('pass');
    const old = checkNode('v18.19.0');
    expect(old.status).toBe('fail');
    expect(old.fix).toMatch(/Node 20/);
  });

  it('agents: passes with the version, warns with the install command when missing', () => {
    expect(checkAgent(AGENTS.claude, '/usr/bin/claude', '2.1.197 (Claude Code)')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('2.1.197'),
    });
    expect(checkAgent(AGENTS.codex, undefined, undefined)).toMatchObject({
      status: 'warn',
      fix: 'install it with: npm install -g @openai/codex',
    });
    expect(checkAgent(AGENTS.aider, '/bin/aider', undefined).status).toBe('warn');
  });

  it('keys: says set or not set and never shows a value', () => {
    const results = checkKeys({
      ANTHROPIC_API_KEY: 'sk-ant-secret-value',
      OPENAI_API_KEY: 'sk-openai-secret',
      GEMINI_API_KEY: 'AIza-secret',
    });
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
    expect(JSON.stringify(results)).not.toMatch(/secret/);
    expect(checkKeys({}).map((r) => r.status)).toEqual(['warn', 'warn', 'warn']);
    const both = checkKeys({ ANTHROPIC_API_KEY: 'a', ANTHROPIC_AUTH_TOKEN: 'b' })[0];
    expect(both?.status).toBe('warn');
    expect(both?.message).toMatch(/auth conflict/);
  });

  it('base URLs: passes when none is set, warns when one is, fails when one points at a dead local port', async () => {
    const alive = async (): Promise<boolean> => true;
    const dead = async (): Promise<boolean> => false;
    expect((await checkBaseUrls({}, dead)).status).toBe('pass');
    expect((await checkBaseUrls({ ANTHROPIC_BASE_URL: 'https://gw.corp' }, dead)).status).toBe('warn');
    expect((await checkBaseUrls({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:3456' }, alive)).status).toBe('warn');
    const stale = await checkBaseUrls({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:40999' }, dead);
    expect(stale.status).toBe('fail');
    expect(stale.fix).toMatch(/unset ANTHROPIC_BASE_URL/);
    expect((await checkBaseUrls({ OPENAI_BASE_URL: 'not a url' }, dead)).status).toBe('fail');
    // A password or a Gemini `?key=` in a base URL is never printed.
    const keyed = await checkBaseUrls(
      { GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:40999/?key=AIzaSySECRET' },
      dead,
    );
    expect(keyed.message).toBe(
      'GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:40999/ points at a local port where nothing listens',
    );
    const gateway = await checkBaseUrls(
      {
        ANTHROPIC_BASE_URL: 'https://me:s3cret@gw.corp',
        GOOGLE_GEMINI_BASE_URL: 'https://gw.corp/gemini?key=AIzaSySECRET',
      },
      dead,
    );
    expect(gateway.message).toBe(
      'ANTHROPIC_BASE_URL=https://gw.corp, GOOGLE_GEMINI_BASE_URL=https://gw.corp/gemini already set',
    );
    // A scheme-less host:port parses as a URL of scheme `localhost:`, which no client can use.
    expect(await checkBaseUrls({ ANTHROPIC_BASE_URL: 'localhost:8787' }, alive)).toMatchObject({
      status: 'fail',
      message: 'ANTHROPIC_BASE_URL is not an http(s) URL: localhost:8787',
    });
  });

  it('HTTP proxy: warns when loopback is not exempted, passes when it is or when there is none', () => {
    expect(checkHttpProxy({}).status).toBe('pass');
    expect(checkHttpProxy({ HTTPS_PROXY: 'http://p:3128' }).status).toBe('warn');
    expect(checkHttpProxy({ HTTPS_PROXY: 'http://p:3128', no_proxy: 'localhost,127.0.0.1' }).status).toBe(
      'pass',
    );
  });

  it('proxy port: passes when a healthy headroom runs or the port is free, warns when something else holds it', () => {
    expect(
      checkProxy(8787, { status: 'ok', service: 'headroom', version: '0.1.0', pid: 42 }, true, undefined),
    ).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('PID 42'),
    });
    expect(checkProxy(8787, undefined, false, undefined).status).toBe('pass');
    const held = checkProxy(8787, undefined, true, { pid: 99, command: 'nginx' });
    expect(held.status).toBe('warn');
    expect(held.message).toContain('PID 99 (nginx)');
  });

  it('state dir: passes when writable, fails with the fix when not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-state-'));
    expect((await checkStateDir(path.join(dir, 'home'))).status).toBe('pass');
    const file = path.join(dir, 'a-file');
    await writeFile(file, '');
    await chmod(file, 0o400);
    const bad = await checkStateDir(path.join(file, 'home'));
    expect(bad.status).toBe('fail');
    expect(bad.fix).toMatch(/HEADROOM_HOME/);
    if (process.platform === 'linux') {
      const proc = await checkStateDir(`/proc/headroom-test-${process.pid}`);
      expect(proc).toMatchObject({ status: 'fail', fix: expect.stringMatching(/ordinary file system/) });
      expect(proc.message).toMatch(/\/proc exists but takes no new directory/);
    }
  });

  it('tokenizer: passes when it counts, fails when loading throws', async () => {
    expect((await checkTokenizer(async () => 7)).status).toBe('pass');
    const broken = await checkTokenizer(async () => {
      throw new Error('cannot find gpt-tokenizer');
    });
    expect(broken.status).toBe('fail');
    expect(broken.message).toContain('cannot find gpt-tokenizer');
  });

  it('ledger: warns about unreadable lines', () => {
    expect(checkLedger('/x/ledger.jsonl', 10, 0).status).toBe('pass');
    expect(checkLedger('/x/ledger.jsonl', 10, 2)).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('2 unreadable'),
    });
  });

  it('ledger: fails with the reason when the ledger cannot be read at all', () => {
    const broken = checkLedger('/x/ledger.jsonl', 0, 0, 'cannot read /x/ledger.jsonl: is a directory.');
    expect(broken).toMatchObject({ status: 'fail', message: 'cannot read /x/ledger.jsonl: is a directory.' });
    expect(broken.fix).toMatch(/HEADROOM_HOME/);
  });

  it('savings: explains low savings with the commonest passthrough reason', () => {
    expect(checkSavings([]).status).toBe('warn');
    const good = checkSavings([entry({ session: 'a' }), entry({ session: 'b', ts: '2026-11-21T00:00:00Z' })]);
    expect(good.status).toBe('pass');
    expect(good.details?.[0]).toMatch(/^b \(claude\): 1 request, saved 8,000 tokens \(80.0%\)/);
    const added = checkSavings([entry({ tokensBefore: 100_000, tokensAfter: 100_006, tokensSaved: -6 })]);
    expect(added.message).toBe('recent sessions added <0.1% to input tokens');
    expect(added.fix).toMatch(/^views of outputs the agent had cut to a preview .*--no-claude-budget/);
    expect(added.details?.[0]).toMatch(/: 1 request, added 6 tokens \(<0\.1%\)$/);
    const idle = { tokensSaved: 0, tokensAfter: 10_000, transforms: [] };
    const poor = checkSavings([
      entry({ ...idle, passthroughReason: 'nothing-to-compress' }),
      entry({ ...idle, passthroughReason: 'nothing-to-compress' }),
      entry({ ...idle, passthroughReason: 'timeout' }),
    ]);
    expect(poor.status).toBe('warn');
    expect(poor.fix).toMatch(/large enough/);
    expect(poor.details).toContainEqual(expect.stringMatching(/^unchanged: nothing-to-compress ×2/));
    const dead = checkSavings([
      entry(),
      entry({ ...idle, status: 502, passthroughReason: 'upstream-unreachable' }),
    ]);
    expect(dead.status).toBe('warn');
    expect(dead.message).toBe('1 recent request could not reach the provider');
    expect(dead.fix).toMatch(/check the upstream URL/);
  });
});

describe('checkMcp', () => {
  const server = { command: 'headroom', args: ['mcp'], env: {} };
  it('passes whether or not the server is installed, and says where it is', () => {
    const none = checkMcp([
      { agent: 'claude', label: 'Claude Code', entry: undefined, current: false },
      { agent: 'codex', label: 'Codex CLI', entry: undefined, current: false },
    ]);
    expect(none).toMatchObject({ status: 'pass', message: expect.stringMatching(/^not installed/) });
    const both = checkMcp([
      { agent: 'claude', label: 'Claude Code', entry: server, current: true },
      { agent: 'codex', label: 'Codex CLI', entry: server, current: true },
    ]);
    expect(both).toMatchObject({ status: 'pass', message: 'installed in Claude Code and Codex CLI' });
  });

  it('warns about an entry that starts another headroom, with the command that fixes it', () => {
    const result = checkMcp([
      { agent: 'codex', label: 'Codex CLI', entry: { ...server, command: 'old-headroom' }, current: false },
    ]);
    expect(result).toMatchObject({ status: 'warn', fix: '`headroom mcp install codex`' });
  });
});
