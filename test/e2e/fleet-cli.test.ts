import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRIEVE_MAX_CHARS } from '../../src/mcp/retrieve-tool.js';
import { postMessages } from '../helpers/anthropic-call.js';
import { BIN, cleanEnv, ensureBuilt, ROOT, runCli } from '../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { bashTurn, bigTestLog } from '../helpers/proxy-harness.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

/** `headroom proxy --redis`, `headroom mcp` and `headroom doctor` as processes, with a password in the URL. */
let work: string;
let redis: TestRedis;
let anthropic: FakeAnthropic;
let proxy: (Promise<unknown> & { kill(signal: NodeJS.Signals): boolean }) | undefined;
let output = '';

beforeAll(async () => {
  await ensureBuilt();
  work = await mkdtemp(path.join(tmpdir(), 'hr-fleet-cli-'));
  redis = await startTestRedis();
  anthropic = await startFakeAnthropic();
}, 120_000);

afterAll(async () => {
  proxy?.kill('SIGKILL');
  await proxy?.catch(() => undefined);
  await anthropic?.close();
  await redis?.close();
  await rm(work, { recursive: true, force: true });
});

const env = (home: string, extra: Record<string, string> = {}) =>
  cleanEnv({ HEADROOM_HOME: path.join(work, home), HEADROOM_ANTHROPIC_UPSTREAM: anthropic.url, ...extra });

async function until(condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time; proxy said:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends a turn; the hash its marker names, from what reached the provider. */
async function send(base: string, text: string): Promise<string> {
  const before = anthropic.messageRequests().length;
  expect((await postMessages(base, bashTurn(text, 64))).status).toBe(200);
  const sent = anthropic
    .messageRequests()
    [before]!.json<{ messages: { content: { content: string }[] }[] }>();
  const hash = /hash=([0-9a-f]+)/.exec(sent.messages[2]!.content[0]!.content)?.[1];
  expect(hash).toBeDefined();
  return hash!;
}

describe('the fleet from the command line', () => {
  it('runs a proxy in a fleet, redeems its markers from another machine over MCP, survives Redis going away, and never shows the password', async () => {
    const child = execa(
      'node',
      [BIN, 'proxy', '--port', '0', '--redis', redis.url, '--redis-prefix', 'cli:'],
      {
        env: env('a'),
        extendEnv: false,
        reject: false,
        cwd: ROOT,
        stdin: 'ignore',
        all: true,
      },
    );
    proxy = child;
    child.all?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await until(() => output.includes('fleet: sharing'));
    expect(output).toContain(
      `fleet: sharing originals and the ledger on redis://127.0.0.1:${redis.port} (keys cli:*)`,
    );
    const base = /headroom proxy on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;

    const text = `${bigTestLog(700, 7)}\nnaïve café ✓\n`;
    expect(text.length).toBeLessThan(RETRIEVE_MAX_CHARS);
    const hash = await send(base, text);

    // `headroom mcp` with another state dir (another machine) finds it on Redis.
    const client = new Client({ name: 'headroom-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp'],
        env: { ...env('b'), HEADROOM_REDIS_URL: redis.url, HEADROOM_REDIS_PREFIX: 'cli:' },
        stderr: 'ignore',
      }),
    );
    const result = (await client.callTool({
      name: 'headroom_retrieve',
      arguments: { hash },
    })) as CallToolResult;
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(result.content[0]).toEqual({ type: 'text', text });

    const doctor = await runCli(['doctor', '--json'], {
      env: env('b', { HEADROOM_REDIS_URL: redis.url, HEADROOM_REDIS_PREFIX: 'cli:' }),
    });
    const fleetCheck = (
      JSON.parse(doctor.stdout) as { checks: { name: string; status: string; message: string }[] }
    ).checks.find((c) => c.name === 'fleet Redis');
    expect(fleetCheck).toMatchObject({ status: 'pass' });
    expect(fleetCheck!.message).toMatch(/the fleet ledger holds 1 entry/);

    await redis.kill();
    await until(() => output.includes('fleet: lost Redis'));
    // Still forwarding and compressing.
    await send(base, bigTestLog(2100, 8));
    const down = await runCli(['doctor', '--json'], { env: env('b', { HEADROOM_REDIS_URL: redis.url }) });
    expect(down.exitCode).toBe(1);
    expect(down.stdout).toMatch(/ECONNREFUSED/);
    await redis.start();
    await until(() => output.includes('is back'));

    child.kill('SIGTERM');
    await child;
    expect(output).toContain('headroom: SIGTERM');
    for (const said of [output, doctor.stdout, doctor.stderr, down.stdout, down.stderr])
      expect(said).not.toContain(redis.password);
  });

  it('refuses a URL that is not Redis without echoing it', async () => {
    const result = await runCli(['proxy', '--redis', 'http://user:topsecret@127.0.0.1:1'], { env: env('c') });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Expected `--redis` to be a redis:// or rediss:// URL');
    expect(result.stderr + result.stdout).not.toContain('topsecret');
    const prefixOnly = await runCli(['proxy', '--redis-prefix', 'team-a:'], { env: env('c') });
    expect(prefixOnly.exitCode).not.toBe(0);
    expect(prefixOnly.stderr).toContain('`--redis-prefix` needs a fleet');
  });
});
