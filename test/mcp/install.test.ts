/**
 * `headroom mcp install|uninstall claude|codex` against the real agents' own `mcp` commands, in a scratch
 * HOME, CLAUDE config and CODEX_HOME. Claude Code is pointed at a closed loopback port, so nothing leaves.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { wantedEntry } from '../../src/mcp/install.js';
import { BIN, memoryContext } from '../helpers/cli.js';
import { AGENT_BIN_DIR, offlineCodexHome } from '../helpers/real-agents.js';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hr-mcp-install-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function setup(name: string) {
  const dir = path.join(scratch, name);
  await mkdir(path.join(dir, 'home'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: [AGENT_BIN_DIR, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
    HOME: path.join(dir, 'home'),
    HEADROOM_HOME: path.join(dir, 'headroom'),
    CODEX_HOME: await offlineCodexHome(path.join(dir, 'codex')),
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CI: 'true',
  };
  const cli = async (...args: string[]) => {
    const io = memoryContext(env);
    const code = await run(args, io.ctx);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  };
  return { dir, env, cli };
}

const claudeJson = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'home', '.claude.json'), 'utf8')) as Record<string, unknown> & {
    mcpServers: Record<string, unknown>;
  };

describe('headroom mcp install/uninstall claude', () => {
  it('adds the server to the user config once, keeps the rest, and removes only it', async () => {
    const { dir, cli } = await setup('claude');
    const config = path.join(dir, 'home', '.claude.json');
    const other = { type: 'stdio', command: 'other-server', args: [], env: {} };
    await writeFile(config, `${JSON.stringify({ numStartups: 5, mcpServers: { other } }, null, 2)}\n`);

    const dry = await cli('mcp', 'install', 'claude', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Would add the headroom MCP server in Claude Code's ${config}`);
    expect(dry.stdout).toMatch(/claude mcp add-json --scope user headroom '\{"type":"stdio"/);
    expect((await claudeJson(dir)).mcpServers).toEqual({ other });

    const first = await cli('mcp', 'install', 'claude');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Installed the headroom MCP server in Claude Code');
    const installed = await claudeJson(dir);
    expect(installed.numStartups).toBe(5);
    expect(installed.mcpServers.other).toEqual(other);
    expect(installed.mcpServers.headroom).toEqual({
      type: 'stdio',
      command: process.execPath,
      args: [expect.stringMatching(/bin\/headroom\.js$/), 'mcp'],
      env: { HEADROOM_HOME: path.join(dir, 'headroom') },
    });

    const bytes = await readFile(config, 'utf8');
    const again = await cli('mcp', 'install', 'claude');
    expect(again.stdout).toContain('already installed');
    expect(await readFile(config, 'utf8')).toBe(bytes);

    const doctor = await cli('doctor', '--json');
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'MCP server');
    expect(check).toMatchObject({ status: 'pass', message: 'installed in Claude Code' });

    expect((await cli('mcp', 'uninstall', 'claude')).code).toBe(0);
    const removed = await claudeJson(dir);
    expect(removed.mcpServers).toEqual({ other });
    expect(removed.numStartups).toBe(5);
    expect((await cli('mcp', 'uninstall', 'claude')).stdout).toContain('not installed');
  }, 60_000);

  it('replaces an entry that starts something else, and doctor warns about it until then', async () => {
    const { dir, cli } = await setup('claude-stale');
    const stale = { type: 'stdio', command: 'node', args: ['/old/headroom.js', 'mcp'], env: {} };
    await writeFile(
      path.join(dir, 'home', '.claude.json'),
      JSON.stringify({ mcpServers: { headroom: stale } }),
    );
    const doctor = await cli('doctor', '--json');
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'MCP server');
    expect(check).toMatchObject({ status: 'warn', fix: '`headroom mcp install claude`' });
    expect(check.message).toContain('Claude Code starts `node /old/headroom.js mcp`');

    const update = await cli('mcp', 'install', 'claude');
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toContain('Updated');
    expect((await claudeJson(dir)).mcpServers.headroom).toMatchObject({ command: process.execPath });
  }, 60_000);
});

describe('headroom mcp install/uninstall codex', () => {
  it('adds [mcp_servers.headroom] to config.toml once and takes it out again', async () => {
    const { env, cli } = await setup('codex');
    const file = path.join(env.CODEX_HOME!, 'config.toml');
    const original = `# my settings\nmodel = "gpt-5" # keep\n\n${await readFile(file, 'utf8')}`;
    await writeFile(file, original);

    const dry = await cli('mcp', 'install', 'codex', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('[mcp_servers.headroom]');
    expect(dry.stdout).toContain(`HEADROOM_HOME = ${JSON.stringify(env.HEADROOM_HOME)}`);
    expect(await readFile(file, 'utf8')).toBe(original);

    expect((await cli('mcp', 'install', 'codex')).code).toBe(0);
    const installed = await readFile(file, 'utf8');
    expect(installed.startsWith(original)).toBe(true);
    // What `codex mcp add` writes is what the dry run showed.
    const table = dry.stdout.slice(
      dry.stdout.indexOf('[mcp_servers.headroom]'),
      dry.stdout.indexOf('\nby running:'),
    );
    expect(installed).toContain(table);

    const again = await cli('mcp', 'install', 'codex');
    expect(again.stdout).toContain('already installed');
    expect(await readFile(file, 'utf8')).toBe(installed);

    expect((await cli('mcp', 'uninstall', 'codex')).code).toBe(0);
    expect((await readFile(file, 'utf8')).trimEnd()).toBe(original.trimEnd());
    expect((await cli('mcp', 'uninstall', 'codex')).stdout).toContain('not installed');
  }, 60_000);
});

describe('the entry mcp install registers', () => {
  it('starts `headroom mcp` when the headroom on PATH is this install, else this Node and script', async () => {
    const bin = path.join(scratch, 'global-bin');
    await mkdir(bin, { recursive: true });
    await symlink(BIN, path.join(bin, 'headroom'));
    expect(await wantedEntry({ PATH: bin, HOME: scratch })).toEqual({
      command: 'headroom',
      args: ['mcp'],
      env: {},
    });
    expect(await wantedEntry({ PATH: '/nowhere', HOME: scratch })).toEqual({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: {},
    });
  });

  it('pins a state directory chosen by variable, since agents pass few variables to MCP servers', async () => {
    const base = { PATH: '/nowhere', HOME: scratch };
    expect((await wantedEntry({ ...base, HEADROOM_HOME: 'rel/hr' })).env).toEqual({
      HEADROOM_HOME: path.resolve('rel/hr'),
    });
    expect((await wantedEntry({ ...base, XDG_STATE_HOME: '/state' })).env).toEqual({
      XDG_STATE_HOME: '/state',
    });
    expect((await wantedEntry({ ...base, XDG_STATE_HOME: 'relative' })).env).toEqual({});
  });
});

describe('headroom mcp install errors', () => {
  it('names the agents it knows', async () => {
    const { cli } = await setup('errors');
    const result = await cli('mcp', 'install', 'aider');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected `agent` to be one of claude, codex, got `aider`.');
  });

  it('says how to install an agent that is not on PATH', async () => {
    const { env } = await setup('no-agent');
    const io = memoryContext({ ...env, PATH: path.dirname(process.execPath) });
    expect(await run(['mcp', 'install', 'codex'], io.ctx)).toBe(127);
    expect(io.stderr()).toContain(
      'Codex CLI (`codex`) is not on PATH. Install it with: npm install -g @openai/codex',
    );
  });
});
