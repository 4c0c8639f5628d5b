import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { send } from '../helpers/raw-http.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORIGINAL = 'a user file: secrets.env\nTOKEN=do-not-leak\n';

describe('local routes answer only the proxy itself', () => {
  it('serves retrieval, stats, metrics and health to its own loopback Host, with or without a same Origin', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    await (await import('../../src/store/file-store.js'))
      .createFileStore({ stateDir: h.stateDir })
      .putAll(new Map([['0123456789ab', ORIGINAL]]));
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const res = await send(port, '/v1/headroom/retrieve/0123456789ab', { host });
      expect(res).toMatchObject({ status: 200, text: ORIGINAL });
    }
    const same = await send(port, '/stats', {
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${port}`,
    });
    expect(same.status).toBe(200);
    for (const path of ['/health', '/metrics']) {
      expect((await send(port, path, { host: `localhost:${port}` })).status).toBe(200);
    }
  });

  it('refuses a DNS-rebinding Host on every local route with a one-line reason', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    await (await import('../../src/store/file-store.js'))
      .createFileStore({ stateDir: h.stateDir })
      .putAll(new Map([['0123456789ab', ORIGINAL]]));
    for (const path of ['/v1/headroom/retrieve/0123456789ab', '/stats', '/metrics', '/health']) {
      for (const host of [`attacker.example:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`]) {
        const res = await send(port, path, { host });
        expect(res.status).toBe(403);
        expect(res.text).not.toContain('do-not-leak');
        expect(res.text.trim().split('\n')).toHaveLength(1);
        expect(res.text).toMatch(/^headroom: Host .* is not this proxy's loopback address/);
      }
    }
  });

  it('refuses a foreign Origin even with the right Host', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    for (const origin of ['https://attacker.example', 'null', `http://localhost:${port}`]) {
      const res = await send(port, '/stats', { host: `127.0.0.1:${port}`, origin });
      expect(res.status).toBe(403);
      expect(res.text).toMatch(/^headroom: Origin .* is not this proxy/);
    }
  });

  it("refuses a browser request that does not come from the proxy's own pages or the user", async () => {
    h = await startHarness();
    const { port } = h.proxy;
    // Another loopback port is the same site: its pages could embed what they cannot fetch.
    for (const site of ['cross-site', 'same-site']) {
      const res = await send(port, '/stats', { host: `127.0.0.1:${port}`, 'sec-fetch-site': site });
      expect(res.status).toBe(403);
      expect(res.text).toMatch(/^headroom: requests from other pages \(Sec-Fetch-Site ".*"\) are refused/);
    }
    for (const site of ['same-origin', 'none']) {
      const res = await send(port, '/stats', { host: `127.0.0.1:${port}`, 'sec-fetch-site': site });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a request another page referred, for browsers that send no Sec-Fetch-Site', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    for (const referer of [
      'https://evil.example/page',
      `http://127.0.0.1:${port + 1}/`,
      `http://127.0.0.1:${port}.evil.example/`,
    ]) {
      const res = await send(port, '/stats', { host: `127.0.0.1:${port}`, referer });
      expect(res.status).toBe(403);
      expect(res.text).toMatch(/^headroom: requests from other pages \(Referer ".*"\) are refused\n$/);
    }
    const own = await send(port, '/stats', {
      host: `127.0.0.1:${port}`,
      referer: `http://127.0.0.1:${port}/dashboard`,
    });
    expect(own.status).toBe(200);
  });

  it('still refuses path traversal in retrieval', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    for (const path of [
      '/v1/headroom/retrieve/..%2Fledger',
      '/v1/headroom/retrieve/..%2F..%2Fetc%2Fpasswd',
    ]) {
      expect((await send(port, path, { host: `127.0.0.1:${port}` })).status).toBe(404);
    }
  });
});

describe('model routes refuse what only a browser sends', () => {
  const body = JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 5,
    messages: [{ role: 'user', content: 'x' }],
  });

  it('refuses a cross-site text/plain POST (CSRF) without forwarding it', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    const res = await send(
      port,
      '/v1/messages',
      { host: `127.0.0.1:${port}`, 'content-type': 'text/plain' },
      body,
    );
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    const none = await send(port, '/v1/chat/completions', { host: `127.0.0.1:${port}` }, body);
    expect(none.status).toBe(415);
    expect(h.anthropic.requests).toHaveLength(0);
    expect(h.openai.requests).toHaveLength(0);
  });

  it('refuses a foreign Origin and sec-fetch-site: cross-site on any forwarded path', async () => {
    h = await startHarness();
    const { port } = h.proxy;
    const json = { host: `127.0.0.1:${port}`, 'content-type': 'application/json' };
    const foreign = await send(port, '/v1/messages', { ...json, origin: 'https://attacker.example' }, body);
    expect(foreign.status).toBe(403);
    expect(foreign.text).toMatch(/requests from web pages/);
    const crossSite = await send(port, '/v1/messages', { ...json, 'sec-fetch-site': 'cross-site' }, body);
    expect(crossSite.status).toBe(403);
    const models = await send(port, '/v1/models', {
      host: `attacker.example:${port}`,
      origin: 'http://attacker.example',
    });
    expect(models.status).toBe(403);
    expect(h.anthropic.requests).toHaveLength(0);
    expect(h.openai.requests).toHaveLength(0);
    // A loopback page (e.g. a local dev tool) and agents (no Origin) still get through.
    const local = await send(port, '/v1/messages', { ...json, origin: 'http://localhost:3000' }, body);
    expect(local.status).toBe(200);
    const agent = await send(port, '/v1/messages', json, body);
    expect(agent.status).toBe(200);
  });
});
