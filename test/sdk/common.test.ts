import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../../src/errors.js';
import { withHeadroom as withAnthropic } from '../../src/sdk/anthropic/index.js';
import { createSession } from '../../src/sdk/common.js';
import { withHeadroom as withOpenAI } from '../../src/sdk/openai/index.js';
import { wireDryRequest } from '../../src/sdk/validate-setup.js';
import { openaiChatProtocol } from '../../src/sdk/wire/openai-chat.js';

const dry = wireDryRequest(openaiChatProtocol);

describe('createSession', () => {
  it('rejects invalid options when the client is wrapped, not on its first request', () => {
    expect(() => createSession({ protectRecent: -1 }, dry)).toThrow(
      'Expected the `protectRecent` option to be a non-negative integer, got `-1` (number).',
    );
    expect(() => createSession({ retrieval: { maxRounds: 0 } }, dry)).toThrow(HeadroomError);
    expect(() => createSession({ retrieval: { maxChars: 1.5 } }, dry)).toThrow(
      'Expected the `retrieval.maxChars` option to be a positive integer, got `1.5` (number).',
    );
    // A bad store limit would leave nothing retrievable (negative size) or nothing expiring (a string).
    expect(() => createSession({ retrieval: { store: { maxChars: -1 } } }, dry)).toThrow(
      'Expected the `retrieval.store.maxChars` option to be a positive integer, got `-1` (number).',
    );
    expect(() => createSession({ retrieval: { store: { ttlMs: '1h' as never } } }, dry)).toThrow(
      'Expected the `retrieval.store.ttlMs` option to be a positive integer, got `"1h"` (string).',
    );
    expect(() => createSession({ retrieval: { store: { maxChar: 10 } as never } }, dry)).toThrow(
      'Unknown option `retrieval.store.maxChar`.',
    );
    expect(() => createSession({ retrieval: { maxRound: 3 } as never }, dry)).toThrow(
      'Unknown option `retrieval.maxRound`.',
    );
    for (const retrieval of ['off', true, null, { sources: [{}] }, { sources: {} }]) {
      expect(() => createSession({ retrieval } as never, dry)).toThrow(HeadroomError);
    }
    expect(() => createSession(null as never, dry)).toThrow(HeadroomError);
  });

  it('counts each retrieval call once, however often the conversation re-sends it', () => {
    const session = createSession({}, dry);
    session.recordRetrievals(['a', 'b']);
    session.recordRetrievals(['a']);
    expect(session.handle.stats().retrievals).toBe(2);
  });

  it('keeps totals per model, net of what headroom added', () => {
    const session = createSession({}, dry);
    session.record('m1', { tokensBefore: 1000, tokensAfter: 100, compressed: true });
    session.record('m2', { tokensBefore: 50, tokensAfter: 150, compressed: false });
    session.recordAdded('m1', 40);
    session.recordFailOpen('m2');
    expect(session.handle.stats()).toEqual({
      requests: 3,
      tokensBefore: 1050,
      tokensAfter: 290,
      tokensSaved: 760,
      compressedRequests: 1,
      failOpen: 1,
      retrievals: 0,
      byModel: {
        m1: { requests: 1, tokensBefore: 1000, tokensAfter: 140, tokensSaved: 860 },
        m2: { requests: 2, tokensBefore: 50, tokensAfter: 150, tokensSaved: -100 },
      },
    });
  });

  it('answers from the sources it was given after its own store', () => {
    const session = createSession(
      { retrieval: { sources: [{ retrieve: (h) => (h === 'abcdef123456' ? 'from source' : undefined) }] } },
      dry,
    );
    expect(session.handle.retrieve('abcdef123456')).toBe('from source');
    expect(session.handle.answerRetrieval({ hash: 'abcdef123456' })).toBe('from source');
  });
});

describe('withHeadroom (Anthropic and OpenAI) on what it is given', () => {
  const refused = expect.objectContaining({
    name: 'HeadroomError',
    code: 'INVALID_INPUT',
    fix: expect.any(String),
  });
  // Nothing is sent: the clients only need to exist.
  const anthropic = () => new Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' });
  const openai = () => new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
  const adapters = [
    { wrap: withAnthropic as (c: unknown) => unknown, own: anthropic, other: openai },
    { wrap: withOpenAI as (c: unknown) => unknown, own: openai, other: anthropic },
  ];

  it('refuses what is not a client of its SDK, instead of a TypeError or a silent no-op', () => {
    for (const { wrap, other } of adapters) {
      for (const notClient of [null, {}, other()]) expect(() => wrap(notClient)).toThrow(refused);
    }
  });

  it('refuses to wrap a wrapped client (or its withOptions clones) again', () => {
    for (const { wrap, own } of adapters) {
      const wrapped = wrap(own()) as { withOptions(o: object): unknown };
      for (const again of [wrapped, wrapped.withOptions({ timeout: 5000 })])
        expect(() => wrap(again)).toThrow(refused);
    }
  });
});
