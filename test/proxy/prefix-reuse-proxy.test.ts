import { afterEach, describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { runBodyJob } from '../../src/proxy/body-job.js';
import { resolveProxyOptions, storeOptionsOf } from '../../src/proxy/options.js';
import { createFileStore } from '../../src/store/file-store.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { oneOfEachKind, outputCases, replayedSession } from '../helpers/replayed-sessions.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('prefix reuse through the proxy and its workers', () => {
  it('sends upstream, turn by turn, the bytes a whole-body read gives', async () => {
    h = await startHarness();
    const { dir, cases } = outputCases('corpus');
    const turns = replayedSession('claude', dir, oneOfEachKind(dir, cases).slice(0, 6));
    for (const turn of turns) {
      h.anthropic.push({ kind: 'text', text: 'ok' });
      const res = await fetch(`${h.proxy.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'sk-test',
          'anthropic-version': '2023-06-01',
        },
        body: turn.body,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // The full path, in this process, with the proxy's own options and store.
    const options = resolveProxyOptions({ stateDir: h.stateDir });
    const store = createFileStore(storeOptionsOf(options));
    const env = { compress: compressMessages, memo: createBlockMemo(), store };
    const jobOptions = {
      ...options.compress,
      compressSystemMessages: false,
      retrievalHint: store.retrievalHint,
    };
    const received = h.anthropic.messageRequests();
    expect(received).toHaveLength(turns.length);
    let compressed = 0;
    for (const [i, turn] of turns.entries()) {
      const job = {
        raw: turn.body,
        provider: 'anthropic' as const,
        path: '/v1/messages',
        options: jobOptions,
      };
      const { outcome } = await runBodyJob(job, env);
      expect(received[i]!.body.equals(Buffer.from(outcome.body))).toBe(true);
      if (outcome.transforms.length > 0) compressed += 1;
    }
    expect(compressed).toBeGreaterThan(turns.length / 2);
  }, 60_000);
});
