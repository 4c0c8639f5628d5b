/**
 * Cold start: the CLI loads only what the command that runs needs, never the token counter before a
 * block big enough to compress needs it, and then the counter's precompiled table that dist/ ships,
 * never gpt-tokenizer (a 2.4 MB module, several times node's own start). Checked on what is loaded,
 * not on time: timings are in `npm run bench:startup` and `npm run bench:tokenizer`.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { loadedTokenizers } from '../../src/tokens/count.js';
import { cleanEnv, ensureBuilt, memoryContext, runCli } from '../helpers/cli.js';
import { apiRecords, testLog } from '../helpers/outputs.js';

/** A node `--import` module that appends every ES module the process loads to $TRACE_FILE. */
const TRACE_HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.TRACE_FILE, url + '\\n');
  return next(url, context);
}`;
const TRACE_REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);`;

/**
 * The source modules in the files a process loaded: a bundle file holds each module's code under a
 * line naming it (`// src/cli/logger.ts`, `// node_modules/commander/lib/command.js`); a file from
 * outside the bundle is named by its URL.
 */
async function modulesIn(urls: string[]): Promise<string[]> {
  const modules: string[] = [];
  for (const url of urls) {
    if (!url.includes('/dist/bundle/')) modules.push(url);
    else
      for (const [, name] of (await readFile(new URL(url), 'utf8')).matchAll(
        /^\/\/ ((?:src|node_modules)\/\S+)$/gm,
      ))
        modules.push(name as string);
  }
  return modules;
}

/** Runs the built CLI as users do and returns its result with the modules it loaded. */
async function tracedCli(args: string[], input?: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hr-startup-'));
  await writeFile(path.join(dir, 'hooks.mjs'), TRACE_HOOKS);
  await writeFile(path.join(dir, 'register.mjs'), TRACE_REGISTER);
  const trace = path.join(dir, 'loaded.txt');
  await writeFile(trace, '');
  const env = cleanEnv({
    HEADROOM_HOME: path.join(dir, 'home'),
    TRACE_FILE: trace,
    NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, 'register.mjs')).href}`,
  });
  const result = await runCli(args, { env, ...(input === undefined ? {} : { input }) });
  const urls = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
  expect(urls.some((url) => url.endsWith('/dist/bundle/cli.js'))).toBe(true);
  return { ...result, loaded: await modulesIn(urls) };
}

const isGptTokenizer = (name: string) => name.includes('/gpt-tokenizer/');
const isCounter = (name: string) => name === 'src/tokens/bpe-count.ts';
const isTokenizer = (name: string) => isGptTokenizer(name) || isCounter(name);
const isCommand = (command: string) => (name: string) => name === `src/cli/commands/${command}.ts`;

describe('CLI start, as users run it (bin/headroom.js on the bundle in dist/bundle/)', () => {
  beforeAll(ensureBuilt, 180_000);

  it('--version loads no command module, no logger and no tokenizer', async () => {
    const { exitCode, stdout, loaded } = await tracedCli(['--version']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(loaded.some(isCommand('compress'))).toBe(false);
    expect(loaded.some(isCommand('wrap'))).toBe(false);
    expect(loaded).not.toContain('src/cli/logger.ts');
    expect(loaded.some(isTokenizer)).toBe(false);
  });

  it('a command loads its own module only', async () => {
    const { exitCode, loaded } = await tracedCli(['stats']);
    expect(exitCode).toBe(0);
    expect(loaded.some(isCommand('stats'))).toBe(true);
    for (const other of ['wrap', 'proxy', 'doctor', 'compress', 'mcp'])
      expect(loaded.some(isCommand(other)), other).toBe(false);
    expect(loaded.some(isTokenizer)).toBe(false);
  });

  it('--help still lists every command', async () => {
    const { exitCode, stdout } = await tracedCli(['--help']);
    expect(exitCode).toBe(0);
    for (const name of ['wrap', 'proxy', 'stats', 'doctor', 'compress', 'mcp'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('compress of a tiny output answers without the tokenizer; a bigger one loads it', async () => {
    const tiny = await tracedCli(['compress'], 'total 0\n');
    expect(tiny.exitCode).toBe(0);
    expect(tiny.stdout).toBe('total 0'); // execa strips the final newline
    expect(tiny.loaded.some(isTokenizer)).toBe(false);

    const big = await tracedCli(['compress'], testLog(200));
    expect(big.exitCode).toBe(0);
    expect(big.loaded.some(isCounter)).toBe(true);
    expect(big.loaded.some(isGptTokenizer)).toBe(false);
  });
});

describe('compress of an output under the threshold, in process', () => {
  async function compressCli(args: string[], input: string) {
    const home = await mkdtemp(path.join(tmpdir(), 'hr-startup-'));
    const io = memoryContext({ HEADROOM_HOME: home }, input);
    const code = await run(['compress', ...args], io.ctx);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  }

  // In order: the first runs must leave this process without a tokenizer, the last loads one.
  it('passes it through byte for byte and states the bound it used, loading no tokenizer', async () => {
    const input = 'héllo wörld\n'.repeat(10); // 140 UTF-8 bytes: at most 161 tokens
    const { code, stdout, stderr } = await compressCli([], input);
    expect(code).toBe(0);
    expect(stdout).toBe(input);
    expect(stderr).toBe(
      'headroom: at most 161 tokens, under the 250-token threshold · nothing to compress\n',
    );
    expect(loadedTokenizers()).toEqual([]);
  });

  it('follows --min-tokens: under a lower threshold the same output is counted', async () => {
    const input = 'héllo wörld\n'.repeat(10);
    const { code, stdout, stderr } = await compressCli(['--min-tokens', '100'], input);
    expect(code).toBe(0);
    expect(stdout).toBe(input);
    expect(stderr).toMatch(/^headroom: [\d,]+ → [\d,]+ tokens \(saved 0, 0\.0%\) · nothing to compress\n$/);
    expect(loadedTokenizers()).toEqual(['o200k']);
  });

  it('--json still states exact counts, with the same output', async () => {
    const input = 'total 0\n';
    const { code, stdout } = await compressCli(['--json'], input);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { output: string; tokensBefore: number; tokensSaved: number };
    expect(result.output).toBe(input);
    expect(result.tokensSaved).toBe(0);
    expect(result.tokensBefore).toBeGreaterThan(0);
  });
});

describe('the bundle runs the same code as src/', () => {
  beforeAll(ensureBuilt, 180_000);

  it('compress gives the same bytes from the built CLI as from src/, for a log, JSON and a messages file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hr-startup-'));
    const inputs: Record<string, string> = {
      'test.log': testLog(300),
      'records.json': apiRecords(400),
      'request.json': JSON.stringify({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'Which service failed?' },
          { role: 'tool', tool_call_id: 'call_1', content: apiRecords(300) },
        ],
      }),
    };
    for (const [name, text] of Object.entries(inputs)) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      const args = ['compress', file, '--json', '--query', 'which service failed?'];
      // One state dir: the markers name the file that holds the original.
      const home = path.join(dir, 'home');
      const built = await runCli(args, { env: cleanEnv({ HEADROOM_HOME: home }) });
      const io = memoryContext({ HEADROOM_HOME: home });
      expect(await run(args, io.ctx), name).toBe(0);
      expect(built.exitCode, name).toBe(0);
      expect((JSON.parse(io.stdout()) as { tokensSaved: number }).tokensSaved, name).toBeGreaterThan(0);
      expect(`${built.stdout}\n`, name).toBe(io.stdout()); // execa strips the final newline
    }
  });
});
