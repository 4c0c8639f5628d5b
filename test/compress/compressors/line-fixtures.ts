import { extractQuery } from '../../../src/compress/query.js';
import { DEFAULT_BUDGETS } from '../../../src/compress/resolve-options.js';
import type { Budgets, CompressorContext, LinePlan } from '../../../src/compress/types.js';

/** A compressor context as the router builds one, for the user's question `question`. */
export function contextFor(question = '', budgets: Partial<Budgets> = {}): CompressorContext {
  return {
    query: extractQuery(question),
    budgets: { ...DEFAULT_BUDGETS, ...budgets },
    hint: {},
    countTokens: (s: string) => Math.ceil(s.length / 4),
  };
}

/** What the model would read: kept lines, and one bracketed note per omitted run. */
export function rendered(lines: readonly string[], plan: LinePlan): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (plan.keep[i]) {
      out.push(lines[i]!);
      i += 1;
      continue;
    }
    let j = i;
    while (j < lines.length && !plan.keep[j]) j += 1;
    out.push(`[… ${j - i} omitted: ${plan.describe?.(i, j) ?? ''}]`);
    i = j;
  }
  return [...out, ...(plan.summary ?? [])];
}

export function keptLines(lines: readonly string[], plan: LinePlan): string[] {
  return lines.filter((_, i) => plan.keep[i]);
}

/** Deterministic pseudo-random numbers (a fixed LCG), so generated fixtures are the same on every run. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = [
  'user',
  'order',
  'cart',
  'session',
  'invoice',
  'profile',
  'token',
  'payment',
  'search',
  'report',
];

/** A vitest run over `files` test files with `perFile` tests each; `failAt` names the failing file index. */
export function vitestRun(files: number, perFile: number, failAt: number): string[] {
  const out = [' RUN  v2.1.8 /home/dev/shop', ''];
  for (let f = 0; f < files; f++) {
    const name = `test/${WORDS[f % WORDS.length]}/${WORDS[(f * 7) % WORDS.length]}-${f}.test.ts`;
    if (f === failAt) {
      out.push(` ❯ ${name} (${perFile} tests | 1 failed) 41ms`);
      for (let t = 0; t < perFile; t++) {
        if (t === 3) out.push('   × UserService > rejects an invalid email 6ms');
        else out.push(`   ✓ UserService > case ${t} handles ${WORDS[t % WORDS.length]} errors ${t % 9}ms`);
      }
    } else {
      out.push(` ✓ ${name} (${perFile} tests) ${20 + (f % 30)}ms`);
      for (let t = 0; t < perFile; t++) {
        out.push(
          `   ✓ ${WORDS[f % WORDS.length]} > case ${t} returns the expected ${WORDS[t % WORDS.length]} ${t % 7}ms`,
        );
      }
    }
  }
  out.push(
    '',
    '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯',
    '',
    ' FAIL  test/user/validate.test.ts > UserService > rejects an invalid email',
    "AssertionError: expected 'ok' to be 'invalid' // Object.is equality",
    '',
    '- Expected',
    '+ Received',
    '',
    '- invalid',
    '+ ok',
    '',
    ' ❯ test/user/validate.test.ts:42:25',
    '     40|     const svc = new UserService();',
    "     41|     const res = svc.validate('bad@');",
    "     42|     expect(res).toBe('invalid');",
    '       |                 ^',
    '     43|   });',
    '     44| ',
    '',
    '⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯',
    '',
    ` Test Files  1 failed | ${files - 1} passed (${files})`,
    `      Tests  1 failed | ${files * perFile - 1} passed (${files * perFile})`,
    '   Start at  10:42:13',
    '   Duration  8.31s (transform 410ms, setup 0ms, collect 2.1s, tests 5.2s)',
    '',
  );
  return out;
}

/** A server log: health checks and requests every second, one crash with a stack trace at `crashAt`. */
export function serverLog(count: number, crashAt: number): string[] {
  const rnd = seeded(7);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = new Date(Date.UTC(2025, 2, 14, 9, 0, 0) + i * 1000).toISOString();
    if (i === crashAt) {
      out.push(
        `${t} ERROR [orders] unhandled rejection while processing order 88123`,
        "TypeError: Cannot read properties of undefined (reading 'sku')",
        '    at priceLine (/srv/app/src/orders/pricing.ts:88:31)',
        '    at Array.map (<anonymous>)',
        '    at computeTotals (/srv/app/src/orders/pricing.ts:41:22)',
        '    at OrderService.checkout (/srv/app/src/orders/service.ts:130:18)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      );
      continue;
    }
    const r = rnd();
    if (r < 0.6) out.push(`${t} INFO  [http] GET /api/health 200 (${1 + Math.floor(rnd() * 5)}ms)`);
    else if (r < 0.9) {
      out.push(
        `${t} INFO  [http] GET /api/products/${Math.floor(rnd() * 9000)} 200 (${5 + Math.floor(rnd() * 40)}ms)`,
      );
    } else
      out.push(
        `${t} DEBUG [cache] hit ratio ${(rnd() * 100).toFixed(1)}% over ${Math.floor(rnd() * 500)} keys`,
      );
  }
  return out;
}

const DIRS = [
  'src/api',
  'src/services',
  'src/models',
  'src/utils',
  'src/routes',
  'test/api',
  'test/services',
  'lib/legacy',
];

/**
 * `grep -rn "user"` over a code base: `files` files with a varying number of matches each. The line
 * `needle` (a whole `path:line:content` line) is placed in the middle of an unremarkable file.
 */
export function grepOutput(files: number, needle?: string): string[] {
  const rnd = seeded(11);
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const path = `${DIRS[f % DIRS.length]}/${WORDS[(f * 3) % WORDS.length]}-${f}.ts`;
    const count = 1 + Math.floor(rnd() * 12);
    for (let m = 0; m < count; m++) {
      const line = 10 + m * 17 + Math.floor(rnd() * 9);
      const kind = Math.floor(rnd() * 4);
      const content =
        kind === 0
          ? `import { User } from '../models/user.js';`
          : kind === 1
            ? `  const user = await repo.findUser(id${m});`
            : kind === 2
              ? `  if (!user) return res.status(404).json({ error: 'user not found' });`
              : `  logger.debug('loaded user', { userId: user.id, step: ${m} });`;
      out.push(`${path}:${line}:${content}`);
    }
    if (needle && f === Math.floor(files * 0.7)) out.push(needle);
  }
  return out;
}

/** `git diff` over `files` files with `hunks` hunks each; file `named` gets the path asked about. */
export function gitDiff(files: number, hunks: number, named?: string): string[] {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const path =
      f === Math.floor(files / 2) && named
        ? named
        : `${DIRS[f % DIRS.length]}/${WORDS[f % WORDS.length]}-${f}.ts`;
    out.push(
      `diff --git a/${path} b/${path}`,
      `index ${(0xabc000 + f).toString(16)}..${(0xdef000 + f).toString(16)} 100644`,
    );
    out.push(`--- a/${path}`, `+++ b/${path}`);
    for (let h = 0; h < hunks; h++) {
      const start = 10 + h * 40;
      out.push(`@@ -${start},12 +${start},13 @@ export function handler${h}(req, res) {`);
      for (let c = 0; c < 5; c++) out.push(`   const step${c} = prepare(req, ${c});`);
      out.push(`-  const total = compute(step0, step1);`);
      out.push(`+  const total = compute(step0, step1, step2);`);
      out.push(`+  audit(total);`);
      for (let c = 0; c < 5; c++) out.push(`   finish${c}(total);`);
    }
  }
  return out;
}
