import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headroomHono, headroomNode } from '../../src/middleware/index.js';
import { withHeadroom as withAnthropic } from '../../src/sdk/anthropic/index.js';
import { withHeadroom as withLangChain } from '../../src/sdk/langchain/index.js';
import { withHeadroom as withOpenAI } from '../../src/sdk/openai/index.js';
import { runSetupChecks, type SetupReport } from '../../src/sdk/validate-setup.js';
import { headroomMiddleware } from '../../src/sdk/vercel-ai/index.js';

// Nothing here sends a model call: validateSetup only reads, and the upstream check goes to loopback.
const anthropic = () =>
  new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://127.0.0.1:9', maxRetries: 0 });
const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });

const check = (report: SetupReport, name: string) => report.checks.find((c) => c.name === name);

let dir: string;
let upstream: Server;
let upstreamUrl: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-setup-'));
  upstream = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('validateSetup() on every wrapped client', () => {
  it('passes for a healthy setup: tokenizer, in-memory store, and a sample request compressed', async () => {
    const reports = await Promise.all([
      withAnthropic(anthropic()).headroom.validateSetup(),
      withOpenAI(openai()).headroom.validateSetup(),
      withOpenAI(openai()).headroom.validateSetup({
        request: { model: 'gpt-4o', input: [{ role: 'user', content: 'hi' }] },
      }),
      headroomMiddleware().headroom.validateSetup(),
      withLangChain(new ChatOpenAI({ model: 'gpt-4o', apiKey: 'sk-test' })).headroom.validateSetup(),
      withLangChain(new ChatAnthropic({ model: 'claude-sonnet-4-6', apiKey: 'k' })).headroom.validateSetup(),
    ]);
    for (const report of reports) {
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => [c.name, c.status])).toEqual([
        ['tokenizer', 'pass'],
        ['store', 'pass'],
        ['request shape', 'pass'],
      ]);
    }
    expect(check(reports[0]!, 'request shape')!.message).toMatch(
      /^recognised; its tool output went from \d+ to \d+ tokens$/,
    );
    expect(check(reports[2]!, 'request shape')!.message).toBe(
      'recognised; nothing in it is big enough to compress',
    );
  });

  it('a request in a shape headroom does not read fails with the shape it expects', async () => {
    const report = await withAnthropic(anthropic()).headroom.validateSetup({
      request: { model: 'claude-sonnet-4-6', input: [{ role: 'user', content: 'hi' }] },
    });
    expect(report.ok).toBe(false);
    expect(check(report, 'request shape')).toEqual({
      name: 'request shape',
      status: 'fail',
      message: 'the request is not in a shape headroom recognises; it would go out unchanged',
      fix: 'send a POST to …/v1/messages whose body has a `messages` array',
    });
    const langchain = await withLangChain(
      new ChatOpenAI({ model: 'gpt-4o', apiKey: 'k' }),
    ).headroom.validateSetup({
      request: [{ role: 'wizard', content: 'hi' }],
    });
    expect(check(langchain, 'request shape')?.fix).toMatch(/^send LangChain messages/);
    const vercel = await headroomMiddleware().headroom.validateSetup({
      request: [{ role: 'user', content: 'hi' }],
    });
    expect(check(vercel, 'request shape')?.fix).toMatch(/^send an AI SDK prompt/);
  });

  it('options that keep the sample from being compressed give a warning and the options to look at', async () => {
    const report = await withOpenAI(openai(), { minTokensToCompress: 1_000_000 }).headroom.validateSetup();
    expect(report.ok).toBe(true);
    expect(check(report, 'request shape')).toMatchObject({
      status: 'warn',
      fix: 'check the minTokensToCompress and savingsProfile options',
    });
  });

  it('a tokenizer that does not load fails with doctor’s fix', async () => {
    const report = await runSetupChecks({
      countSample: async () => {
        throw new Error('Cannot find module gpt-tokenizer/encoding/o200k_base');
      },
      shape: async () => ({ name: 'request shape', status: 'pass', message: 'recognised' }),
    });
    expect(report.ok).toBe(false);
    expect(check(report, 'tokenizer')).toEqual({
      name: 'tokenizer',
      status: 'fail',
      message: 'does not load: Cannot find module gpt-tokenizer/encoding/o200k_base',
      fix: 'reinstall headroom (npm install -g headroom-ai)',
    });
  });
});

describe('validateSetup() on the middleware', () => {
  it('checks the file store, each route and each upstream', async () => {
    const middleware = headroomHono({
      stateDir: dir,
      routes: { '/llm/v1/messages': 'anthropic', '/llm/v1/responses': 'openai-responses' },
      upstreams: [upstreamUrl],
    });
    const report = await middleware.headroom.validateSetup();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['tokenizer', 'pass'],
      ['state dir', 'pass'],
      ['request shape /llm/v1/messages', 'pass'],
      ['request shape /llm/v1/responses', 'pass'],
      [`upstream ${upstreamUrl}`, 'pass'],
    ]);
    expect(check(report, `upstream ${upstreamUrl}`)?.message).toBe('answers (HTTP 404)');
  });

  it('an unwritable store, an unknown route, a route set to the wrong API and a dead upstream each come with a fix', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve));

    const middleware = headroomNode({
      stateDir: join(file, 'state'),
      routes: { '/chat': 'openai-chat' },
      upstreams: [deadUrl],
    });
    const report = await middleware.headroom.validateSetup();
    expect(report.ok).toBe(false);
    expect(check(report, 'state dir')).toMatchObject({
      status: 'fail',
      message: `${join(file, 'state')} is not writable (not a directory)`,
      fix: 'fix its permissions, or set HEADROOM_HOME to a writable directory',
    });
    expect(check(report, `upstream ${deadUrl}`)).toMatchObject({
      status: 'fail',
      message: `${deadUrl}/ does not answer (ECONNREFUSED)`,
      fix: 'start the provider or gateway there, or correct the URL in `upstreams`',
    });

    const unknown = await middleware.headroom.validateSetup({ request: { path: '/v1/messages', body: {} } });
    expect(check(unknown, 'request shape /v1/messages')).toMatchObject({
      status: 'fail',
      fix: "add it to `routes`, e.g. routes: { '/v1/messages': 'anthropic' }",
    });
    const wrongApi = await middleware.headroom.validateSetup({
      request: { path: '/chat', body: { model: 'gpt-4o', input: [{ role: 'user', content: 'hi' }] } },
    });
    expect(check(wrongApi, 'request shape /chat')).toMatchObject({
      status: 'fail',
      fix: 'send a POST to …/chat/completions whose body has a `messages` array (route /chat is set to openai-chat)',
    });
  });
});
