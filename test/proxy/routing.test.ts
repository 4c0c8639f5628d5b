import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Claude Code 2.1.197's first request: a probe of its base URL that names no provider. */
const probe = (url: string) => fetch(`${url}/`, { method: 'HEAD', headers: { 'user-agent': 'Bun/1.4.0' } });
const seen = (harness: Harness) => ({
  anthropic: harness.anthropic.requests.map((r) => `${r.method} ${r.path}`),
  openai: harness.openai.requests.map((r) => `${r.method} ${r.path}`),
});

describe('which provider a request goes to', () => {
  it('a request naming no provider goes to the wrapped agent’s own provider, never the other', async () => {
    h = await startHarness({ proxy: { agent: 'claude' } });
    expect((await probe(h.proxy.url)).status).toBe(200);
    expect(seen(h)).toEqual({ anthropic: ['HEAD /'], openai: [] });
  });

  it('with no agent to go by, the proxy answers it itself and forwards nothing', async () => {
    h = await startHarness();
    expect((await probe(h.proxy.url)).status).toBe(404);
    const page = await fetch(`${h.proxy.url}/favicon.ico`);
    expect([page.status, await page.text()]).toEqual([
      404,
      "headroom: /favicon.ico is not a path of a model provider's API\n",
    ]);
    expect(seen(h)).toEqual({ anthropic: [], openai: [] });
  });

  it('provider signals win over the agent: OpenAI paths and tokens, Anthropic paths and headers', async () => {
    h = await startHarness({ proxy: { agent: 'claude' } });
    await (
      await fetch(`${h.proxy.url}/v1/models`, { headers: { authorization: 'Bearer sk-test' } })
    ).arrayBuffer();
    await (
      await fetch(`${h.proxy.url}/`, { method: 'HEAD', headers: { 'openai-organization': 'org-1' } })
    ).arrayBuffer();
    await (
      await fetch(`${h.proxy.url}/v1/models`, {
        headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      })
    ).arrayBuffer();
    expect(seen(h)).toEqual({ anthropic: ['GET /v1/models'], openai: ['GET /v1/models', 'HEAD /'] });
  });

  it('a request target that is not a path (absolute-form, `*`) is answered here, never sent on', async () => {
    h = await startHarness({ proxy: { agent: 'claude' } });
    const port = h.proxy.port;
    const ask = (target: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let got = '';
        socket.on('data', (chunk: Buffer) => {
          got += chunk.toString('latin1');
        });
        socket.on('close', () => resolve(got));
        socket.write(
          `OPTIONS ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-api-key: k\r\nConnection: close\r\n\r\n`,
        );
      });
    // A client that took headroom for an HTTP proxy: the target names a host of its own.
    const absolute = await ask(`http://127.0.0.1:${h.anthropic.port}/v1/messages`);
    expect(absolute.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(absolute).toContain("is not a path of a model provider's API");
    expect((await ask('*')).split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(seen(h)).toEqual({ anthropic: [], openai: [] });
  });
});
