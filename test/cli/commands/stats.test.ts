import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { launchProxy } from '../../../src/cli/proxy-runner.js';
import { appendLedger, ledgerPath } from '../../../src/ledger/ledger.js';
import { memoryContext } from '../../helpers/cli.js';
import { entry } from '../../helpers/ledger-entries.js';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'hr-stats-'));
});

async function stats(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const io = memoryContext({ HEADROOM_HOME: home, TZ: 'UTC', ...extraEnv });
  const code = await run(['stats', ...args], io.ctx);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function seed(): Promise<void> {
  await appendLedger(
    entry({
      ts: '2026-11-02T10:00:00Z',
      session: 's1',
      tokensBefore: 1_234_567,
      tokensAfter: 234_567,
      tokensSaved: 1_000_000,
    }),
    home,
  );
  await appendLedger(
    entry({ ts: '2026-11-02T11:00:00Z', session: 's1', agent: 'codex', provider: 'openai', model: 'gpt-5' }),
    home,
  );
  await appendLedger(
    entry({ ts: '2026-11-10T11:00:00Z', session: 's2', model: 'gpt-6-sol', agent: 'codex' }),
    home,
  );
}

describe('headroom stats', () => {
  it('says how to start when the ledger is empty, and exits 0', async () => {
    const result = await stats([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No savings recorded yet.*headroom wrap claude/);
    const json = await stats(['--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ rows: [], totals: { requests: 0 } });
  });

  it('prints a daily table with separators, dollars and a Total row', async () => {
    await seed();
    const { code, stdout } = await stats(['--timezone', 'UTC']);
    expect(code).toBe(0);
    expect(stdout).toContain('headroom savings by day');
    expect(stdout).toMatch(/│ 2026-11-02 │ claude, codex │\s+2 │\s+1,244,567 │/);
    expect(stdout).toMatch(/│ Total\s+│/);
    expect(stdout).toMatch(/│ Total .*│\s+\$3\.01\* │/);
    // The unpriced model is named, never shown as $0.00.
    expect(stdout).toMatch(/│ 2026-11-10 │ codex\s+│.*no price/);
    expect(stdout).toContain('no price for gpt-6-sol');
    expect(stdout).not.toContain('\u001b[');
  });

  it('says a tiny net increase as added, in tokens, percent and money; --json keeps the exact numbers', async () => {
    await appendLedger(
      entry({ model: 'gpt-5', tokensBefore: 100_000, tokensAfter: 100_006, tokensSaved: -6 }),
      home,
    );
    const { stdout } = await stats(['--timezone', 'UTC']);
    expect(stdout).toMatch(
      /│ 2026-11-20 │ claude\s+│\s+1 │\s+100,000 │\s+100,006 │\s+added 6 │\s+added <0\.1% │\s+added <\$0\.01 │/,
    );
    expect(stdout).not.toMatch(/-<\$|-\$|-0\.0%|0\.0%/);
    const compact = await stats(['--timezone', 'UTC', '--compact']);
    expect(compact.stdout).toMatch(/│\s+added 6 │\s+added <0\.1% │\s+added <\$0\.01 │/);
    const data = JSON.parse((await stats(['--json'])).stdout);
    expect(data.rows[0].tokensSaved).toBe(-6);
    expect(data.rows[0].savedPercent).toBeCloseTo(-0.006, 10);
    expect(data.rows[0].moneySaved).toBeLessThan(0);
  });

  it('prints pure camelCase JSON on stdout, with corrupt ledger lines skipped and reported on stderr', async () => {
    await seed();
    await appendFile(ledgerPath(home), '{"ts": "2026-11-03", torn line\n');
    const { code, stdout, stderr } = await stats(['--json', '--by', 'model']);
    expect(code).toBe(0);
    const data = JSON.parse(stdout);
    expect(data.skippedLines).toBe(1);
    expect(data.groupBy).toBe('model');
    expect(data.rows.map((r: { key: string }) => r.key)).toEqual(['claude-sonnet-4-6', 'gpt-5', 'gpt-6-sol']);
    expect(data.rows[0]).toMatchObject({ requests: 1, tokensSaved: 1_000_000, unpricedModels: [] });
    expect(data.totals.unpricedModels).toEqual(['gpt-6-sol']);
    expect(stderr).toMatch(/skipped 1 unreadable ledger line/);
  });

  it('filters by inclusive dates in either spelling and by agent', async () => {
    await seed();
    const since = await stats(['-j', '-s', '20261103']);
    expect(JSON.parse(since.stdout).totals.requests).toBe(1);
    const until = await stats(['-j', '--since', '2026-11-02', '--until', '20261102']);
    expect(JSON.parse(until.stdout).totals.requests).toBe(2);
    const agent = await stats(['-j', '--agent', 'codex']);
    expect(JSON.parse(agent.stdout).totals.requests).toBe(2);
    const none = await stats(['--agent', 'aider']);
    expect(none.stdout).toContain('No savings recorded for that filter.');
  });

  it('offers weekly, monthly and session reports, newest first with -o desc', async () => {
    await seed();
    const weekly = JSON.parse((await stats(['weekly', '-j'])).stdout);
    expect(weekly.rows.map((r: { key: string }) => r.key)).toEqual(['2026-11-02', '2026-11-09']);
    const monthly = JSON.parse((await stats(['monthly', '-j'])).stdout);
    expect(monthly.rows).toHaveLength(1);
    const sessions = JSON.parse((await stats(['session', '-j', '-o', 'desc'])).stdout);
    expect(sessions.rows.map((r: { key: string }) => r.key)).toEqual(['s2', 's1']);
  });

  it('shows per-model rows with --breakdown and fewer columns with --compact', async () => {
    await seed();
    const breakdown = await stats(['--breakdown']);
    expect(breakdown.stdout).toContain('└ gpt-5');
    const compact = await stats(['--compact']);
    expect(compact.stdout).not.toContain('Tokens Before');
    expect(compact.stdout).toContain('Saved %');
  });

  it('does not repeat each model under itself with --by model --breakdown', async () => {
    await seed();
    const byModel = await stats(['--by', 'model', '--breakdown']);
    expect(byModel.code).toBe(0);
    expect(byModel.stdout).toContain('gpt-5');
    expect(byModel.stdout).not.toContain('└ gpt-5');
  });

  it('rejects --since after --until as a usage error instead of reporting nothing', async () => {
    await seed();
    const result = await stats(['--since', '20261110', '--until', '2026-11-02']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('`--since` 2026-11-10 is after `--until` 2026-11-02');
    expect((await stats(['--since', '20261102', '--until', '20261102'])).stdout).toContain('2026-11-02');
  });

  it('rejects a malformed date with the expected form', async () => {
    const result = await stats(['--since', '2026-13-01']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Expected `--since` to be a date as YYYYMMDD or YYYY-MM-DD, got `2026-13-01`.',
    );
  });

  it('colours the table only when FORCE_COLOR asks for it on a non-terminal, and never with NO_COLOR', async () => {
    await seed();
    expect((await stats([], { FORCE_COLOR: '1' })).stdout).toContain('\u001b[36m');
    expect((await stats([], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toContain('\u001b[');
  });

  it('names the proxies running now on a last line, and in JSON', async () => {
    await seed();
    const proxy = await launchProxy(
      { stateDir: home, optimize: false, anthropicUpstream: 'http://127.0.0.1:9', env: {} },
      'wrap codex',
    );
    try {
      const running = `running: ${proxy.url} (wrap codex, PID ${process.pid})`;
      expect((await stats([])).stdout.trimEnd().split('\n').at(-1)).toBe(running);
      expect((await stats(['--since', '20300101'])).stdout).toBe(
        `No savings recorded for that filter.\n${running}\n`,
      );
      const json = JSON.parse((await stats(['--json'])).stdout);
      expect(json.running).toEqual([
        {
          url: proxy.url,
          port: proxy.port,
          pid: process.pid,
          startedBy: 'wrap codex',
          startedAt: expect.any(String),
          version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        },
      ]);
    } finally {
      await proxy.stop();
    }
    expect((await stats([])).stdout).not.toContain('running:');
    expect(JSON.parse((await stats(['--json'])).stdout).running).toEqual([]);
  });
});
