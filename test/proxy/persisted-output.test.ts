/**
 * Claude budget mode's file side: a `<persisted-output>` preview is expanded only from Claude Code's own
 * tool-results folders, and a forged preview (any other file, a symlink out, a head that does not match)
 * leaves the request exactly as sent, byte for byte, through the real proxy.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersistedOutputs, parsePreview } from '../../src/proxy/persisted-output.js';
import { testLog } from '../helpers/outputs.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { lastToolResult } from '../helpers/real-agents.js';

let root: string;
let configDir: string;
let results: string;
let outside: string;
const LOG = testLog(6000);

/** The preview Claude Code 2.1.197 sends for a saved output (head: its first 2 KB). */
function preview(file: string, head = LOG.slice(0, 2000)): string {
  return `<persisted-output>\nOutput too large (${(LOG.length / 1024).toFixed(1)}KB). Full output saved to: ${file}\n\nPreview (first 2KB):\n${head}\n...\n</persisted-output>`;
}

function request(text: string, where: 'tool_result' | 'user' = 'tool_result') {
  const last =
    where === 'tool_result'
      ? { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: text }] }
      : { role: 'user', content: text };
  return [
    { role: 'user', content: 'why does npm test fail?' },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }],
    },
    last,
  ];
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'headroom-persisted-'));
  configDir = path.join(root, 'claude');
  results = path.join(configDir, 'projects', '-work-app', 'a1b2c3', 'tool-results');
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'ok.txt'), LOG);
  outside = path.join(root, 'secret.txt');
  await writeFile(outside, LOG);
  await symlink(outside, path.join(results, 'link.txt'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('persisted outputs', () => {
  it('parses the preview Claude Code sends', () => {
    expect(parsePreview(preview('/a/b.txt'))).toEqual({ file: '/a/b.txt', head: LOG.slice(0, 2000) });
    expect(parsePreview('<persisted-output>\nsomething else\n</persisted-output>')).toBeUndefined();
  });

  it('reads a saved output from a tool-results folder when its head matches the preview', async () => {
    const sent = preview(path.join(results, 'ok.txt'));
    const found = await createPersistedOutputs(configDir).resolve(request(sent));
    expect(found?.get(sent)).toBe(LOG);
  });

  it("matches the head Claude Code previews without the output's leading blank lines", async () => {
    const file = path.join(results, 'blank-start.txt');
    await writeFile(file, `\n\n${LOG}`);
    const sent = preview(file);
    expect((await createPersistedOutputs(configDir).resolve(request(sent)))?.get(sent)).toBe(`\n\n${LOG}`);
  });

  it('refuses a file outside the tool-results folders, a symlink out, a path escaping with .., a wrong head', async () => {
    const persisted = createPersistedOutputs(configDir);
    const forged = [
      preview(outside),
      preview(path.join(results, 'link.txt')),
      preview(path.join(results, '..', '..', '..', '..', '..', 'secret.txt')),
      preview(path.join(results, 'ok.txt'), `${LOG.slice(0, 1000)}tampered`),
      preview('relative/tool-results/ok.txt'),
    ];
    for (const sent of forged) expect(await persisted.resolve(request(sent))).toBeUndefined();
  });

  it('never follows a path named outside the folders, even a link into them', async () => {
    const alias = path.join(root, 'alias.txt');
    await symlink(path.join(results, 'ok.txt'), alias);
    expect(await createPersistedOutputs(configDir).resolve(request(preview(alias)))).toBeUndefined();
    // A config dir that is itself a link is taken as named, and as resolved.
    const linked = path.join(root, 'claude-link');
    await symlink(configDir, linked);
    const viaLink = preview(path.join(linked, 'projects', '-work-app', 'a1b2c3', 'tool-results', 'ok.txt'));
    expect((await createPersistedOutputs(linked).resolve(request(viaLink)))?.get(viaLink)).toBe(LOG);
    const direct = preview(path.join(results, 'ok.txt'));
    expect((await createPersistedOutputs(linked).resolve(request(direct)))?.get(direct)).toBe(LOG);
  });

  it.runIf(process.platform !== 'win32')(
    'refuses a FIFO in the folders without waiting for a writer',
    async () => {
      const fifo = path.join(results, 'pipe.txt');
      execFileSync('mkfifo', [fifo]);
      expect(await createPersistedOutputs(configDir).resolve(request(preview(fifo)))).toBeUndefined();
    },
  );

  it('looks only in tool results, never in what the user typed', async () => {
    const sent = preview(path.join(results, 'ok.txt'));
    expect(await createPersistedOutputs(configDir).resolve(request(sent, 'user'))).toBeUndefined();
  });

  it('remembers what it read, so a later turn resends the same bytes after the file is gone', async () => {
    const file = path.join(results, 'gone.txt');
    await writeFile(file, LOG);
    const sent = preview(file);
    const persisted = createPersistedOutputs(configDir);
    expect((await persisted.resolve(request(sent)))?.get(sent)).toBe(LOG);
    await unlink(file);
    expect((await persisted.resolve(request(sent)))?.get(sent)).toBe(LOG);
    // A new proxy (after a restart) finds nothing and sends the preview as it was.
    expect(await createPersistedOutputs(configDir).resolve(request(sent))).toBeUndefined();
  });
});

describe('persisted outputs through the proxy', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      proxy: {
        compress: { claudeBudget: { readTokens: 25_000, bashChars: 30_000 } },
        claudeConfigDir: configDir,
        compressionTimeoutMs: 30_000,
      },
    });
  });
  afterAll(async () => harness?.close());

  async function send(messages: unknown[]) {
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages });
    const res = await fetch(`${harness.proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body,
    });
    await res.arrayBuffer();
    return { body, received: harness.anthropic.messageRequests().at(-1)! };
  }

  it('sends a view of the whole saved output within 30,000 characters', async () => {
    const { received } = await send(request(preview(path.join(results, 'ok.txt'))));
    const sent = lastToolResult(received);
    expect(sent.length).toBeLessThanOrEqual(30_000);
    expect(sent).toContain('   → AssertionError: expected 90 to be 81 // Object.is equality');
    expect(sent).not.toContain('<persisted-output>');
  });

  it('forwards a request with a forged preview byte for byte', async () => {
    for (const file of [outside, path.join(results, 'link.txt')]) {
      const { body, received } = await send(request(preview(file)));
      expect(received.body.toString('utf8')).toBe(body);
    }
  });
});
