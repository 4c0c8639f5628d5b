import type { LedgerEntry } from '../../src/ledger/entry.js';

/** A ledger entry with plausible defaults; tests override what they look at. */
export function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    ts: '2026-11-20T10:00:00.000Z',
    session: 'claude-20261120-100000-aaaaaaaa',
    agent: 'claude',
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    path: '/v1/messages',
    status: 200,
    tokensBefore: 10_000,
    tokensAfter: 2_000,
    tokensSaved: 8_000,
    transforms: ['json:items 1000→24'],
    compressionMs: 3,
    latencyMs: 900,
    ...overrides,
  };
}
