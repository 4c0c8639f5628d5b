/**
 * Every command's bad-input path ends in one `error:` line and a non-zero exit, never a stack trace.
 * In-process through `run()`, plus the real binary once, which is what users see.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/cli/failure.js';
import { run } from '../../src/cli/main.js';
import { HeadroomError } from '../../src/errors.js';
import { cleanEnv, memoryContext } from '../helpers/cli.js';

let scratch: string;
let env: Record<string, string>;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hr-failure-'));
  env = cleanEnv({ HOME: scratch, HEADROOM_HOME: path.join(scratch, 'state'), PATH: '/nonexistent' });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function fails(args: string[], overrides: Record<string, string> = {}) {
  const io = memoryContext({ ...env, ...overrides });
  const code = await run(args, io.ctx);
  return { code, stderr: io.stderr(), stdout: io.stdout() };
}

function expectOneLine(stderr: string): void {
  // Commander's "did you mean" suggestion is the one second line allowed.
  const lines = stderr
    .trimEnd()
    .split('\n')
    .filter((line) => !line.startsWith('(Did you mean'));
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('bad input, every command', () => {
  const cases: [string, string[], number, RegExp][] = [
    [
      'compress: missing file',
      ['compress', '/no/such/file'],
      1,
      /cannot open \/no\/such\/file: no such file/,
    ],
    ['compress: a directory', ['compress', '/'], 1, /cannot read \/: is a directory/],
    ['compress: bad profile', ['compress', '--profile', 'max', '/'], 2, /--profile/],
    ['stats: bad date', ['stats', '--since', 'yesterday'], 2, /--since/],
    ['stats: unknown flag', ['stats', '--period', 'week'], 2, /unknown option '--period'/],
    // Not the --by rows with the report silently dropped, checked or not.
    [
      'stats: a report and another --by',
      ['stats', 'weekly', '--by', 'agent'],
      2,
      /`weekly` and `--by agent`/,
    ],
    ['stats: a bad report beside --by', ['stats', 'yearly', '--by', 'agent'], 2, /`report`.*`yearly`/],
    ['doctor: unknown flag', ['doctor', '--fix'], 2, /unknown option '--fix'/],
    ['proxy: bad port', ['proxy', '--port', 'http'], 2, /--port/],
    ['proxy: bad upstream', ['proxy', '--openai-upstream', 'ftp://x'], 2, /--openai-upstream/],
    ['wrap: unknown agent', ['wrap', 'cursor'], 2, /unknown agent `cursor`/],
    // Commander's "did you mean", as for a mistyped command or option.
    [
      'wrap: a mistyped agent',
      ['wrap', 'claud'],
      2,
      /unknown agent `claud`\. Expected one of: claude, codex, gemini, aider, qwen, opencode\.\n\(Did you mean claude\?\)\n$/,
    ],
    [
      'wrap: a far-off agent, no guess',
      ['wrap', 'cursor'],
      2,
      /Expected one of: claude, codex, gemini, aider, qwen, opencode\.\n$/,
    ],
    // Not taken for the agent's name ("unknown agent `--verbos`"): a mistyped flag of wrap's own.
    ['wrap: unknown flag before the agent', ['wrap', '--verbos', 'claude'], 2, /unknown option '--verbos'/],
    ['wrap: agent not installed', ['wrap', 'codex'], 127, /not on your PATH/],
    ['wrap: budget too small', ['wrap', '--tool-output-budget', '5', 'codex'], 2, /--tool-output-budget/],
    ['an unknown command', ['compres', 'x'], 2, /unknown command 'compres'/],
    // Not "too many arguments for 'serve'" (the default subcommand).
    [
      'mcp: an unknown subcommand',
      ['mcp', 'instal', 'claude'],
      2,
      /unknown command 'instal'\n\(Did you mean install\?\)/,
    ],
  ];
  for (const [name, args, code, message] of cases) {
    it(name, async () => {
      const result = await fails(args);
      expect(result.code).toBe(code);
      expectOneLine(result.stderr);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }

  it('stats: a ledger that cannot be read names it', async () => {
    const state = path.join(scratch, 'broken');
    await mkdir(path.join(state, 'ledger.jsonl'), { recursive: true });
    const result = await fails(['stats'], { HEADROOM_HOME: state });
    expect(result.code).toBe(1);
    expectOneLine(result.stderr);
    expect(result.stderr).toContain(`cannot read ${path.join(state, 'ledger.jsonl')}: is a directory`);
  });

  it('a bad upstream from the environment is named by its variable, not by a flag never typed', async () => {
    const proxy = await fails(['proxy'], { HEADROOM_ANTHROPIC_UPSTREAM: 'notaurl' });
    expect(proxy.code).toBe(2);
    expectOneLine(proxy.stderr);
    expect(proxy.stderr).toContain(
      'Expected `HEADROOM_ANTHROPIC_UPSTREAM` to be an http(s) URL, got `notaurl`.',
    );
    const wrap = await fails(['wrap', 'claude'], { ANTHROPIC_BASE_URL: 'localhost:9' });
    expect(wrap.code).toBe(2);
    expectOneLine(wrap.stderr);
    expect(wrap.stderr).toContain('Expected `ANTHROPIC_BASE_URL` to be an http(s) URL, got `localhost:9`.');
    const aider = await fails(['wrap', 'aider'], { OPENAI_API_BASE: 'api.local/v1' });
    expect(aider.stderr).toContain('Expected `OPENAI_API_BASE` to be an http(s) URL');
  });

  it('proxy: a state directory that cannot exist stops it before it listens', async () => {
    const file = path.join(scratch, 'state-is-a-file');
    await writeFile(file, '');
    const result = await fails(['proxy', '--port', '1'], { HEADROOM_HOME: file });
    expect(result.code).toBe(1);
    expectOneLine(result.stderr);
    expect(result.stderr).toContain(`cannot mkdir ${file}: a file is in the way.`);
  });

  it('compress: a file where the retrieval store directory goes says so in words', async () => {
    const state = path.join(scratch, 'ccr-is-a-file');
    await mkdir(state, { recursive: true });
    await writeFile(path.join(state, 'ccr'), '');
    const input = path.join(scratch, 'big.log');
    await writeFile(input, Array.from({ length: 2000 }, (_, i) => `INFO step ${i} ok`).join('\n'));
    const result = await fails(['compress', input], { HEADROOM_HOME: state });
    expect(result.code).toBe(1);
    expectOneLine(result.stderr);
    expect(result.stderr).toContain(`cannot mkdir ${path.join(state, 'ccr')}: a file is in the way.`);
  });
});

describe('describeFailure', () => {
  it('gives a HeadroomError with its fix', () => {
    const error = new HeadroomError('PORT_IN_USE', 'Port 1 is taken.', { fix: 'Pick another.' });
    expect(describeFailure(error, {})).toBe('Port 1 is taken. Pick another.');
  });

  it('names the address or host of a network error', () => {
    const listen = Object.assign(new Error('listen EADDRNOTAVAIL'), {
      code: 'EADDRNOTAVAIL',
      syscall: 'listen',
      address: '10.0.0.9',
      port: 8787,
    });
    expect(describeFailure(listen, {})).toBe(
      'cannot listen 10.0.0.9:8787: address not available on this machine.',
    );
    const lookup = Object.assign(new Error('getaddrinfo ENOTFOUND'), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'nowhere.invalid',
    });
    expect(describeFailure(lookup, {})).toBe('cannot resolve nowhere.invalid: host not found.');
  });

  it('gives an unexpected error by its first line, and its stack only with HEADROOM_DEBUG', () => {
    const error = new TypeError('x is undefined\nmore detail');
    expect(describeFailure(error, {})).toBe('x is undefined (unexpected; HEADROOM_DEBUG=1 shows where).');
    expect(describeFailure(error, { HEADROOM_DEBUG: '1' })).toContain('\n    at ');
  });
});
