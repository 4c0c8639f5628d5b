import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import getPort from 'get-port';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT, runCli } from '../../helpers/cli.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic.js';
import { testLog } from '../../helpers/outputs.js';
import { type StandInReport, writeStandInAgents } from '../../helpers/stand-in-agent.js';

let work: string;
let env: Record<string, string>;
let anthropic: FakeAnthropic;
/** What a test needs of a running `headroom proxy` process. */
interface Running extends Promise<{ exitCode?: number | undefined }> {
  kill(signal: NodeJS.Signals): boolean;
  readonly exitCode: number | null;
}
const running: Running[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hr-proxy-'));
  const bin = await writeStandInAgents(path.join(work, 'bin'));
  const output = path.join(work, 'tool-output.txt');
  await writeFile(output, testLog(1200));
  anthropic = await startFakeAnthropic({ fallback: { kind: 'text', text: 'done' } });
  env = cleanEnv({
    PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`,
    HEADROOM_HOME: path.join(work, 'home'),
    HEADROOM_ANTHROPIC_UPSTREAM: anthropic.url,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    STANDIN_REPORT: path.join(work, 'report.json'),
    STANDIN_TOOL_OUTPUT: output,
  });
});

afterEach(async () => {
  for (const child of running.splice(0)) {
    child.kill('SIGTERM');
    await child.catch(() => undefined);
  }
  await anthropic.close();
});

/** Starts `headroom proxy` and resolves once it says it is listening. */
async function startCliProxy(args: string[]): Promise<{ child: Running; stderr: () => string }> {
  const child = execa('node', [BIN, 'proxy', ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: ROOT,
    stdin: 'ignore',
    // Ctrl-C drains: a request's ledger line may wait for its token count (the workers load the
    // tokenizer first, seconds on a loaded machine); execa's default 5 s would SIGKILL it before the summary.
    forceKillAfterDelay: 25_000,
  });
  running.push(child as Running);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  for (let i = 0; i < 400 && !stderr.includes('Ctrl-C stops it'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(stderr).toContain('Ctrl-C stops it');
  return { child: child as Running, stderr: () => stderr };
}

/** A small Anthropic call with nothing to compress, sent to the proxy on `port` (streamed if asked). */
function sayHi(port: number, stream = false): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      ...(stream ? { stream: true } : {}),
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}

describe('headroom proxy', () => {
  it('serves in the foreground, logs one line per request, and stops cleanly on Ctrl-C', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const { child, stderr } = await startCliProxy(['--port', String(port)]);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { service: string };
    expect(health.service).toBe('headroom');
    const response = await sayHi(port);
    expect(response.status).toBe(200);
    await response.text();
    for (let i = 0; i < 100 && !stderr().includes('/v1/messages 200'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lines = stderr()
      .split('\n')
      .filter((line) => line.includes('/v1/messages'));
    expect(lines).toHaveLength(1);
    // Nothing to compress in "hi": the size alone and the reason, no `(-0.0%)`.
    expect(lines[0]).toMatch(
      /anthropic claude-sonnet-4-6 \/v1\/messages 200 \d+ tokens nothing-to-compress$/,
    );
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(stderr()).toMatch(/requests\s+1/);
  });

  it('bound to every interface, names a dashboard URL on loopback that answers', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const { child, stderr } = await startCliProxy(['--host', '0.0.0.0', '--port', String(port), '-q']);
    const url = `http://127.0.0.1:${port}/dashboard`;
    expect(stderr()).toContain(`dashboard ${url}.`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    await page.text();
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
  });

  it('listens on a free port with --port 0 and names it', async () => {
    const { child, stderr } = await startCliProxy(['--port', '0', '-q']);
    const port = Number(/headroom proxy on http:\/\/127\.0\.0\.1:(\d+) /.exec(stderr())?.[1]);
    expect(port).toBeGreaterThan(0);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { service: string };
    expect(health.service).toBe('headroom');
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
  });

  it('says a second Ctrl-C stops it during the drain, and it does', async () => {
    anthropic.push({ kind: 'hang', text: 'still thinking' });
    const port = await getPort({ host: '127.0.0.1' });
    const { child, stderr } = await startCliProxy(['--port', String(port), '--drain', '600', '-q']);
    const hanging = await sayHi(port, true);
    expect(hanging.status).toBe(200);
    child.kill('SIGINT');
    for (let i = 0; i < 200 && !stderr().includes('finishing requests'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stderr()).toContain('(up to 600 s; Ctrl-C again stops it at once)');
    child.kill('SIGINT');
    // Not the 600 s drain: ended by the second signal.
    expect(((await child) as { signal?: string }).signal).toBe('SIGINT');
    await hanging.body?.cancel().catch(() => undefined);
  });

  it('prints no request lines with -q', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const { child, stderr } = await startCliProxy(['--port', String(port), '-q']);
    const response = await sayHi(port);
    await response.text();
    // The summary counts the request once it has ended; stop only after the upstream has answered it.
    expect(anthropic.messageRequests()).toHaveLength(1);
    child.kill('SIGINT');
    await child;
    expect(stderr()).toMatch(/requests\s+1/);
    expect(stderr()).not.toContain('/v1/messages');
  });

  it('names the process holding its port and exits 1', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    await startCliProxy(['--port', String(port)]);
    const second = await runCli(['proxy', '--port', String(port)], { env });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`port ${port} is in use by PID \\d+`));
  });
});

describe('headroom wrap --reuse', () => {
  it('attaches to a compatible running proxy and leaves it running after the agent exits', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    await startCliProxy(['--port', String(port)]);
    const result = await runCli(['wrap', '--reuse', '--port', String(port), 'claude'], { env });
    expect(result.exitCode).toBe(0);
    const seen = JSON.parse(await readFile(env.STANDIN_REPORT!, 'utf8')) as StandInReport;
    expect(seen.env.ANTHROPIC_BASE_URL).toBe(`http://127.0.0.1:${port}`);
    // The shared proxy holds no Read to a budget, so Claude Code keeps its own cap.
    expect(seen.env.CLAUDE_CODE_FILE_READ_MAX_OUTPUT_TOKENS).toBeUndefined();
    expect(result.stderr).toContain('shared proxy');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('starts its own proxy when the running one is not compatible', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    await startCliProxy(['--port', String(port), '--no-optimize']);
    const result = await runCli(['wrap', '--reuse', '--port', String(port), 'claude'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`not reusing the proxy on port ${port} (it runs with optimization off)`);
    const seen = JSON.parse(await readFile(env.STANDIN_REPORT!, 'utf8')) as StandInReport;
    expect(seen.env.ANTHROPIC_BASE_URL).not.toBe(`http://127.0.0.1:${port}`);
    expect(result.stderr).toMatch(/requests\s+1/);
  });

  it('says so when no proxy answers on the port, and starts its own', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const result = await runCli(['wrap', '--reuse', '--port', String(port), 'claude'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`no headroom proxy answers on port ${port} to reuse; starting one`);
    expect(result.stderr).toMatch(/requests\s+1/);
  });
});
