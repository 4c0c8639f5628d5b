/**
 * What the dashboard costs the proxy that serves it, on a long ledger: the first read (every line parsed
 * once into per-day sums), the heap those sums hold, answering each range, and a poll (what the page does
 * every 3 s) with a few new lines and with none. The ledger is written by the proxy's own writer.
 *
 *   npm run bench:dashboard            # 100,000 requests over 90 days
 *   npm run bench:dashboard -- 300000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RANGES } from '../src/dashboard/aggregate.js';
import { followLedger } from '../src/dashboard/ledger-follower.js';
import { createLedgerWriter } from '../src/ledger/ledger.js';
import { entry } from '../test/helpers/ledger-entries.js';

const requests = Number(process.argv[2] ?? 100_000);
const DAYS = 90;
const dir = await mkdtemp(join(tmpdir(), 'headroom-bench-dashboard-'));
const gc = (globalThis as { gc?: () => void }).gc;
const out = (line: string) => process.stdout.write(`${line}\n`);

try {
  const now = Date.now();
  const writer = createLedgerWriter(dir, undefined, 0);
  for (let i = 0; i < requests; i++) {
    const codex = i % 3 === 0;
    writer.append(
      entry({
        ts: new Date(now - Math.floor(((requests - i) * DAYS * 86_400_000) / requests)).toISOString(),
        // About 40 requests a session, as a working session of an agent makes.
        session: `session-${Math.floor(i / 40)}`,
        agent: codex ? 'codex' : 'claude',
        provider: codex ? 'openai' : 'anthropic',
        model: codex ? 'gpt-5.5' : 'claude-sonnet-4-6',
        ...(i % 5 === 0 ? { passthroughReason: 'nothing-to-compress', tokensSaved: 0 } : {}),
      }),
    );
    if (i % 5_000 === 0) await writer.flush();
  }
  await writer.close();

  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const follower = followLedger(dir);
  let t = performance.now();
  const state = await follower.read();
  out(
    `first read: ${state.sums.entries.toLocaleString('en-US')} requests, ${(state.bytes / 1e6).toFixed(1)} MB of ledger, ${(performance.now() - t).toFixed(0)} ms`,
  );
  gc?.();
  if (gc)
    out(`heap held by the sums: ${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB`);
  else out('heap: run with node --expose-gc to measure');
  for (const range of RANGES) {
    const runs = 20;
    t = performance.now();
    for (let i = 0; i < runs; i++) state.sums.view(range);
    out(`answer ${range}: ${((performance.now() - t) / runs).toFixed(2)} ms`);
  }
  const more = createLedgerWriter(dir, undefined, 0);
  for (let i = 0; i < 10; i++) more.append(entry({ ts: new Date().toISOString() }));
  await more.close();
  t = performance.now();
  await follower.read();
  out(`poll after 10 new lines: ${(performance.now() - t).toFixed(2)} ms`);
  t = performance.now();
  await follower.read();
  out(`poll with nothing new: ${(performance.now() - t).toFixed(2)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
