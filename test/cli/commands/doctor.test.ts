import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { launchProxy } from '../../../src/cli/proxy-runner.js';
import { appendLedger } from '../../../src/ledger/ledger.js';
import { memoryContext } from '../../helpers/cli.js';
import { entry } from '../../helpers/ledger-entries.js';
import { writeStandInAgents } from '../../helpers/stand-in-agent.js';

async function setup(): Promise<{ home: string; env: NodeJS.ProcessEnv }> {
  const work = await mkdtemp(path.join(tmpdir(), 'hr-doctor-'));
  const bin = await writeStandInAgents(path.join(work, 'bin'));
  const home = path.join(work, 'home');
  return {
    home,
    env: {
      PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}`,
      HOME: work,
      HEADROOM_HOME: home,
      ANTHROPIC_API_KEY: 'sk-ant-very-secret',
      CI: 'true',
    },
  };
}

async function doctor(env: NodeJS.ProcessEnv, args: string[] = []) {
  const io = memoryContext(env);
  const code = await run(['doctor', ...args], io.ctx);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

interface Check {
  name: string;
  status: string;
  message: string;
  fix?: string;
  details?: string[];
}

describe('headroom doctor', () => {
  it('prints pure JSON with every check and exits 0 when nothing fails', async () => {
    const { env, home } = await setup();
    await appendLedger(entry({ session: 'wrap-1' }), home);
    const { code, stdout } = await doctor(env, ['--json']);
    const data = JSON.parse(stdout) as { ok: boolean; checks: Check[] };
    expect(data.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(data.ok).toBe(true);
    const byName = new Map(data.checks.map((c) => [c.name, c]));
    expect(byName.get('agent claude')?.message).toContain('claude 9.9.9-standin');
    expect(byName.get('Anthropic key')?.message).toBe('ANTHROPIC_API_KEY set');
    expect(byName.get('tokenizer')?.status).toBe('pass');
    expect(byName.get('state dir')?.status).toBe('pass');
    expect(byName.get('savings')?.details?.[0]).toMatch(/^wrap-1 \(claude\): 1 request/);
    expect(stdout).not.toContain('very-secret');
  });

  it("names the headroom proxies running now, wrap's on their free ports included", async () => {
    const { env, home } = await setup();
    const before = JSON.parse((await doctor(env, ['--json'])).stdout) as { checks: Check[] };
    expect(before.checks.find((c) => c.name === 'running proxies')).toMatchObject({ message: 'none' });
    const proxy = await launchProxy({ stateDir: home, optimize: false, env: {} }, 'wrap claude');
    try {
      const { stdout } = await doctor(env, ['--json']);
      const running = (JSON.parse(stdout) as { checks: Check[] }).checks.find(
        (c) => c.name === 'running proxies',
      );
      expect(running).toMatchObject({
        status: 'pass',
        details: [`${proxy.url} (wrap claude, PID ${process.pid})`],
      });
      expect(running?.message).toMatch(/^1 /);
    } finally {
      await proxy.stop();
    }
  });

  it('exits 1 and names the fix when the state directory is not writable', async () => {
    const { env } = await setup();
    const file = path.join(String(env.HOME), 'not-a-dir');
    await writeFile(file, '');
    const { code, stdout } = await doctor({ ...env, HEADROOM_HOME: path.join(file, 'home') });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /✗ fail\s+state dir\s+.* is not writable \(not a directory\) — fix: .*HEADROOM_HOME/,
    );
    expect(stdout).toMatch(/✗ fail\s+ledger\s+cannot open .*ledger\.jsonl: not a directory\./);
    expect(stdout).toMatch(/2 failed/);
  });

  it('fails the ledger check, naming the path, when the ledger cannot be read', async () => {
    const { env, home } = await setup();
    await mkdir(path.join(home, 'ledger.jsonl'), { recursive: true });
    const { code, stdout } = await doctor(env);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /✗ fail\s+ledger\s+cannot read .*ledger\.jsonl: is a directory\. — fix: move that path aside/,
    );
    expect(stdout).toMatch(/✓ pass\s+state dir/);
  });

  it('fails when a base URL points at a local port where nothing listens', async () => {
    const { env } = await setup();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, stdout } = await doctor({ ...env, ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` }, [
      '--json',
    ]);
    expect(code).toBe(1);
    const check = (JSON.parse(stdout) as { checks: Check[] }).checks.find((c) => c.name === 'base URLs');
    expect(check?.status).toBe('fail');
    expect(check?.fix).toMatch(/unset ANTHROPIC_BASE_URL/);
  });

  it('ends with a count of warnings in words that agree with it ("1 warning", "2 warnings")', async () => {
    // Savings recorded and agents on PATH: the missing OpenAI key is the one warning (port 8787 taken on
    // this machine would make two).
    const { env, home } = await setup();
    await appendLedger(entry({ session: 'wrap-1' }), home);
    const warns = (JSON.parse((await doctor(env, ['--json'])).stdout) as { checks: Check[] }).checks.filter(
      (c) => c.status === 'warn',
    ).length;
    expect(warns).toBeGreaterThan(0);
    const last = (await doctor(env)).stdout.trimEnd().split('\n').at(-1);
    expect(last).toBe(`all good (${warns} ${warns === 1 ? 'warning' : 'warnings'})`);
  });

  it('warns with the install command for agents that are not on PATH', async () => {
    const { env } = await setup();
    const { stdout } = await doctor({ ...env, PATH: path.dirname(process.execPath) });
    expect(stdout).toMatch(
      /! warn\s+agent codex\s+Codex CLI is not on PATH — fix: install it with: npm install -g @openai\/codex/,
    );
  });
});
