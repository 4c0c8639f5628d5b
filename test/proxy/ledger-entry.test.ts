import { describe, expect, it } from 'vitest';
import { passthrough } from '../../src/proxy/body-job.js';
import { ledgerEntry } from '../../src/proxy/ledger-entry.js';

const call = {
  ts: '2026-01-01T00:00:00.000Z',
  session: 's',
  agent: 'aider',
  provider: 'openai' as const,
  path: '/v1/chat/completions',
  status: 200,
  latencyMs: 1,
};

describe('ledger entries', () => {
  it('keep a model name free of terminal escapes and of bounded length', () => {
    // An OSC 52 clipboard write and a colour, as a repository's agent config could set them.
    const forged = 'gpt-5\u001b]52;c;ZWNobyBoaQ==\u0007\u001b[31m\u009b2J';
    const entry = ledgerEntry(call, passthrough(new Uint8Array(0), forged, 'nothing-to-compress'));
    const controls = [...entry.model].filter(
      (c) => c.charCodeAt(0) < 0x20 || (c >= '\u007f' && c <= '\u009f'),
    );
    expect(controls).toEqual([]);
    expect(entry.model.startsWith('gpt-5\uFFFD]52;c;ZWNobyBoaQ==')).toBe(true);
    const long = ledgerEntry(call, passthrough(new Uint8Array(0), 'm'.repeat(100_000), 'disabled'));
    expect(long.model.length).toBeLessThanOrEqual(201);
    // Real names go through as they are.
    const real = 'anthropic/claude-sonnet-4.5:beta';
    expect(ledgerEntry(call, passthrough(new Uint8Array(0), real, 'disabled')).model).toBe(real);
  });
});
