import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../src/ledger/entry.js';
import type { ProxyDeps } from '../../src/proxy/app.js';
import type { ProxyOptions } from '../../src/proxy/options.js';
import { type RunningProxy, startProxy } from '../../src/proxy/server.js';
import { type FakeAnthropic, type FakeAnthropicOptions, startFakeAnthropic } from './fake-anthropic.js';
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from './fake-openai.js';

export interface Harness {
  readonly proxy: RunningProxy;
  readonly anthropic: FakeAnthropic;
  readonly openai: FakeOpenAI;
  /** A fresh state directory (ledger, retrieval files), removed on close. */
  readonly stateDir: string;
  /** Ledger entries as the proxy reported them, in completion order. */
  readonly entries: LedgerEntry[];
  /** Resolves once at least `n` model calls have completed. */
  waitForEntries(n: number): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly anthropic?: FakeAnthropicOptions;
  readonly openai?: FakeOpenAIOptions;
  readonly proxy?: ProxyOptions;
  readonly deps?: ProxyDeps;
}

/** Fake Anthropic and OpenAI providers on loopback, and a real proxy in front of both. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const stateDir = await mkdtemp(join(tmpdir(), 'headroom-proxy-'));
  const anthropic = await startFakeAnthropic(options.anthropic);
  const openai = await startFakeOpenAI(options.openai);
  const entries: LedgerEntry[] = [];
  const waiters: { n: number; resolve: (e: LedgerEntry[]) => void }[] = [];
  const proxy = await startProxy(
    {
      anthropicUpstream: anthropic.url,
      openaiUpstream: openai.url,
      stateDir,
      ...options.proxy,
      onRequest(entry) {
        entries.push(entry);
        for (const w of [...waiters]) {
          if (entries.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(entries);
          }
        }
        options.proxy?.onRequest?.(entry);
      },
    },
    options.deps,
  );
  return {
    proxy,
    anthropic,
    openai,
    stateDir,
    entries,
    waitForEntries(n) {
      if (entries.length >= n) return Promise.resolve(entries);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      await proxy.stop();
      await anthropic.close();
      await openai.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A Claude Code-like request whose last message is `output` as the result of a `Bash` call. */
export function bashTurn(output: string, maxTokens = 256) {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: maxTokens,
    messages: [
      { role: 'user', content: 'Run the tests.' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: output }] },
    ],
  };
}

/** A test log of the size agents produce: thousands of passing lines and one failure in the middle. */
export function bigTestLog(lines = 3000, seed = 0): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    if (i === Math.floor(lines / 2)) {
      out.push(`FAIL src/billing/invoice-${seed}.test.ts`);
      out.push('  ● invoice totals › rounds half cents up');
      out.push('    Error: expected 10.05 to equal 10.06');
      out.push(`      at Object.<anonymous> (src/billing/invoice-${seed}.test.ts:42:17)`);
    }
    out.push(`PASS src/module-${seed}-${i % 97}/feature-${i}.test.ts (${(i * 7) % 50} ms)`);
  }
  out.push(`Tests: 1 failed, ${lines} passed, ${lines + 1} total`);
  return out.join('\n');
}
