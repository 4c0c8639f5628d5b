import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressMessages } from '../../src/compress/compress.js';
import { createBlockMemo } from '../../src/compress/memo.js';
import { type BodyJob, countBodyJob, runBodyJob } from '../../src/proxy/body-job.js';
import { createPrefixReuse } from '../../src/proxy/prefix-reuse.js';
import { createFileStore } from '../../src/store/file-store.js';
import {
  oneOfEachKind,
  outputCases,
  replayedSession,
  type SessionShape,
} from '../helpers/replayed-sessions.js';

const OPTIONS = { retrievalHint: 'headroom {hash}', compressSystemMessages: false };

describe('a count-only job', () => {
  const { dir, cases } = outputCases('corpus');
  const kinds = oneOfEachKind(dir, cases).slice(0, 5);
  it.each<SessionShape>(['claude', 'codex', 'openai-chat'])(
    'counts every %s turn as the whole job counts it, through the same kept turns',
    async (shape) => {
      const store = createFileStore({ stateDir: mkdtempSync(path.join(tmpdir(), 'headroom-count-')) });
      const counting = { memo: createBlockMemo(), conversations: createPrefixReuse() };
      const whole = { compress: compressMessages, memo: createBlockMemo(), store };
      const turns = replayedSession(shape, dir, kinds);
      const bodies = [
        ...turns.map((t) => t.body),
        // Not JSON, no conversation, an empty one: nothing is counted, as the whole job reports.
        Buffer.from('{"model":'),
        Buffer.from(JSON.stringify({ model: 'gpt-4o', prompt: 'x' })),
        Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [] })),
      ];
      for (const body of bodies) {
        const job: BodyJob = {
          raw: body,
          provider: turns[0]!.provider,
          path: turns[0]!.path,
          options: OPTIONS,
        };
        const counted = await countBodyJob(job, counting);
        const { outcome } = await runBodyJob(job, whole);
        expect(counted).toBe(outcome.tokensBefore);
      }
    },
    60_000,
  );
});
