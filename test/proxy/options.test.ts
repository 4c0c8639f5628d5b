import { describe, expect, it } from 'vitest';
import { resolveProxyOptions, upstreamUrl } from '../../src/proxy/options.js';

describe('proxy options', () => {
  it('defaults to loopback, a free port, the public upstreams and optimisation on', () => {
    const o = resolveProxyOptions({ env: { HEADROOM_HOME: '/tmp/hr-home' } });
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      optimize: true,
      ledger: true,
      session: 'proxy',
      stateDir: '/tmp/hr-home',
      compressionTimeoutMs: 2000,
    });
    expect(o.anthropicUpstream.href).toBe('https://api.anthropic.com/');
    expect(o.openaiUpstream.href).toBe('https://api.openai.com/');
  });

  it('takes upstreams from HEADROOM_*_UPSTREAM, with explicit options winning', () => {
    const env = {
      HEADROOM_ANTHROPIC_UPSTREAM: 'http://127.0.0.1:7001',
      HEADROOM_OPENAI_UPSTREAM: 'http://127.0.0.1:7002',
    };
    expect(resolveProxyOptions({ env }).anthropicUpstream.href).toBe('http://127.0.0.1:7001/');
    expect(resolveProxyOptions({ env }).openaiUpstream.href).toBe('http://127.0.0.1:7002/');
    expect(resolveProxyOptions({ env, openaiUpstream: 'http://127.0.0.1:9' }).openaiUpstream.href).toBe(
      'http://127.0.0.1:9/',
    );
  });

  it('names the bad option and value', () => {
    expect(() => resolveProxyOptions({ host: '' })).toThrow(
      'Expected the `host` option to be a non-empty string, got `""` (string).',
    );
    expect(() => resolveProxyOptions({ optimize: 'yes' as unknown as boolean })).toThrow(
      /`optimize` option to be a boolean/,
    );
    expect(() => resolveProxyOptions({ store: { maxBytes: -5 } })).toThrow(/`store.maxBytes`/);
  });

  it('joins upstream base paths without doubling /v1', () => {
    expect(upstreamUrl(new URL('https://api.openai.com'), '/v1/responses?x=1').href).toBe(
      'https://api.openai.com/v1/responses?x=1',
    );
    expect(upstreamUrl(new URL('https://api.openai.com/v1'), '/v1/responses').href).toBe(
      'https://api.openai.com/v1/responses',
    );
    expect(upstreamUrl(new URL('https://open.bigmodel.cn/api/paas/v4/'), '/v1/chat/completions').href).toBe(
      'https://open.bigmodel.cn/api/paas/v4/chat/completions',
    );
    // Gemini's own paths are not OpenAI's `/v1`: appended whole.
    expect(upstreamUrl(new URL('https://gw.corp/v2'), '/v1beta/models/x').href).toBe(
      'https://gw.corp/v2/v1beta/models/x',
    );
    expect(upstreamUrl(new URL('http://127.0.0.1:8/gateway/'), '/v1/messages?beta=true').href).toBe(
      'http://127.0.0.1:8/gateway/v1/messages?beta=true',
    );
  });
});
