import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/cli/context.js';
import { createLogger } from '../../../src/cli/logger.js';
import { openProxySession, reuseMismatch } from '../../../src/cli/wrap/proxy-session.js';
import { wrapSettings } from '../../../src/cli/wrap/settings.js';
import { type FakeAnthropic, startFakeAnthropic } from '../../helpers/fake-anthropic.js';

let dir: string | undefined;
let anthropic: FakeAnthropic | undefined;

afterEach(async () => {
  await anthropic?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
  anthropic = undefined;
});

const post = (url: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });

describe('wrap proxy session', () => {
  it('closes gracefully: a request in flight finishes and is counted, new connections are refused', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'headroom-session-'));
    anthropic = await startFakeAnthropic({
      replies: [{ kind: 'raw', reply: { headDelayMs: 400, body: '{"ok":true}' } }],
    });
    const env = { HOME: dir, HEADROOM_HOME: dir, CLAUDE_CONFIG_DIR: dir };
    const ctx: CliContext = {
      env,
      streams: { stdout: new PassThrough(), stderr: new PassThrough() },
      stdin: new PassThrough(),
    };
    const flags = {
      optimize: true,
      anthropicUpstream: anthropic.url,
      codexBudget: true,
      geminiBudget: true,
      qwenBudget: true,
      opencodeBudget: true,
      claudeBudget: true,
      summary: false,
    };
    const settings = wrapSettings('claude', [], flags, env);
    const session = await openProxySession(
      'claude',
      'test-session',
      dir,
      settings,
      flags,
      ctx,
      createLogger({ env, streams: ctx.streams }),
    );
    const inflight = post(session.url);
    while (anthropic.messageRequests().length === 0) await new Promise((r) => setTimeout(r, 5));
    const stats = await session.close(5_000);
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ok":true}');
    expect(stats?.requests).toBe(1);
    await expect(post(session.url)).rejects.toThrow();
  });
});

describe('reuseMismatch', () => {
  const health = { status: 'ok', service: 'headroom', optimize: true } as const;
  it('refuses, for Gemini CLI, a proxy from before the Gemini route, and one forwarding Gemini elsewhere', () => {
    const old = {
      ...health,
      upstreams: { anthropic: 'https://api.anthropic.com/', openai: 'https://api.openai.com/' },
    };
    expect(reuseMismatch(old, true, {}, 'gemini')).toBe(
      'it does not route the Gemini API (an older headroom)',
    );
    expect(reuseMismatch(old, true, {}, 'claude')).toBeUndefined();
    const current = {
      ...health,
      upstreams: { ...old.upstreams, gemini: 'https://generativelanguage.googleapis.com/' },
    };
    expect(reuseMismatch(current, true, {}, 'gemini')).toBeUndefined();
    expect(reuseMismatch(current, true, { geminiUpstream: 'http://127.0.0.1:4000' }, 'gemini')).toBe(
      'its gemini upstream is https://generativelanguage.googleapis.com/, not http://127.0.0.1:4000',
    );
  });
});
