import { describe, expect, it } from 'vitest';
import { logCompressor } from '../../../src/compress/compressors/log/index.js';
import { contextFor, keptLines, rendered, serverLog, vitestRun } from './line-fixtures.js';

function plan(lines: readonly string[], question = '', budgets = {}) {
  const p = logCompressor.lines(lines, contextFor(question, budgets));
  if (!p) throw new Error('expected the log compressor to compress');
  return p;
}

/** A jest run in verbose mode: 60 suites of 40 tests, one failing with a long stack in suite 31. */
function jestRun(): string[] {
  const out: string[] = [];
  for (let s = 0; s < 60; s++) {
    const failing = s === 31;
    out.push(
      ` ${failing ? 'FAIL' : 'PASS'}  src/suite-${s}/suite-${s}.test.js (${(1 + s / 10).toFixed(1)} s)`,
    );
    out.push(`  Suite ${s}`);
    for (let t = 0; t < 40; t++) {
      if (failing && t === 17) out.push('    ✕ rejects an invalid email (12 ms)');
      else out.push(`    ✓ computes total number ${t} for an empty cart (${t % 5} ms)`);
    }
    out.push('');
    if (failing) {
      out.push(
        '  ● Suite 31 › rejects an invalid email',
        '',
        '    expect(received).toBe(expected) // Object.is equality',
        '',
        '    Expected: "invalid"',
        '    Received: "ok"',
        '',
        '      40 |     const svc = new UserService();',
        "      41 |     const res = svc.validate('bad@');",
        "    > 42 |     expect(res).toBe('invalid');",
        '         |                 ^',
        '      43 |   });',
        '',
        '      at Object.<anonymous> (src/suite-31/suite-31.test.js:42:17)',
      );
      for (let f = 0; f < 30; f++)
        out.push(`      at frame${f} (node_modules/jest-circus/build/run.js:${100 + f}:${f + 3})`);
      out.push('');
    }
  }
  out.push(
    'Test Suites: 1 failed, 59 passed, 60 total',
    'Tests:       1 failed, 2399 passed, 2400 total',
    'Snapshots:   0 total',
    'Time:        31.207 s',
    'Ran all test suites.',
  );
  return out;
}

/** `npm ci && npm run build` in CI: fetches, repeated warnings, an install summary, then a failing build. */
function npmLog(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1500; i++) {
    out.push(`npm http fetch GET 200 https://registry.npmjs.org/pkg-${i} ${3 + (i % 40)}ms (cache hit)`);
    if (i % 30 === 0) out.push(`npm WARN ERESOLVE overriding peer dependency react@${16 + (i % 3)}.0.0`);
    if (i === 400)
      out.push('npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.');
    if (i === 900)
      out.push('npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported');
  }
  out.push(
    '',
    'added 1312 packages, and audited 1313 packages in 41s',
    '',
    '212 packages are looking for funding',
    '  run `npm fund` for details',
    '',
    'found 0 vulnerabilities',
    '',
    '> shop@1.4.0 build',
    '> tsc -p tsconfig.build.json && vite build',
    '',
  );
  for (let i = 0; i < 300; i++) out.push(`vite v5.1.4 transforming src/components/widget-${i}.tsx`);
  out.push(
    "src/cart/totals.ts(88,14): error TS2339: Property 'sku' does not exist on type 'LineItem'.",
    '',
    'npm ERR! code 2',
    'npm ERR! path /home/ci/shop',
    'npm ERR! command failed',
    'npm ERR! command sh -c tsc -p tsconfig.build.json && vite build',
    '',
    'npm ERR! A complete log of this run can be found in:',
    'npm ERR!     /home/ci/.npm/_logs/2025-03-14T09_00_00_000Z-debug-0.log',
    'Process exited with code 2',
  );
  return out;
}

/** A pytest run in verbose mode with one failure. */
function pytestRun(): string[] {
  const out = [
    '============================= test session starts ==============================',
    'platform linux -- Python 3.12.1, pytest-8.0.0, pluggy-1.4.0',
    'rootdir: /home/dev/api',
    'collected 2400 items',
    '',
  ];
  for (let i = 0; i < 2400; i++) {
    const name =
      i === 1200 ? 'tests/test_refunds.py::test_refund_rounding' : `tests/test_orders.py::test_case_${i}`;
    const status = i === 1200 ? 'FAILED' : 'PASSED';
    out.push(`${name} ${status}${' '.repeat(20)}[${String(Math.floor((i * 100) / 2400)).padStart(3)}%]`);
  }
  out.push(
    '',
    '=================================== FAILURES ===================================',
    '_____________________________ test_refund_rounding _____________________________',
    '',
    '    def test_refund_rounding():',
    '        order = make_order(total=Decimal("10.005"))',
    '>       assert refund(order) == Decimal("10.01")',
    "E       AssertionError: assert Decimal('10.00') == Decimal('10.01')",
    "E        +  where Decimal('10.00') = refund(<Order id=7>)",
    '',
    'tests/test_refunds.py:42: AssertionError',
    '=========================== short test summary info ============================',
    "FAILED tests/test_refunds.py::test_refund_rounding - AssertionError: assert Decimal('10.00') == Decimal('10.01')",
    '======================== 1 failed, 2399 passed in 12.31s ========================',
  );
  return out;
}

/**
 * `tsc --noEmit` after turning on verbatimModuleSyntax: 1,200 TS1484 lines over 300 files, and among
 * them a few errors of other kinds (one with tsc's indented second line).
 */
function tscFlood(): string[] {
  // Type names differ in letters, as real ones do (`ZodTypeDef`, `Refs`), not only in a number.
  const name = (i: number) => `Type${String.fromCharCode(65 + (i % 26), 97 + (Math.floor(i / 26) % 26))}`;
  const out: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const dir = ['src/_vendor/schema', 'src/lib', 'src/resources/admin', 'src/resources/beta'][
      Math.floor(i / 300)
    ];
    out.push(
      `${dir}/file-${Math.floor(i / 4)}.ts(${(i % 4) + 1},10): error TS1484: '${name(i)}' is a type and must be imported using a type-only import when 'verbatimModuleSyntax' is enabled.`,
    );
    if (i === 310)
      out.push(
        "src/core/pagination.ts(334,3): error TS2322: Type 'string | undefined' is not assignable to type 'number'.",
        "  Type 'undefined' is not assignable to type 'number'.",
      );
    if (i === 640)
      out.push(
        "src/core/streaming.ts(380,10): error TS2339: Property 'abort' does not exist on type 'Stream<unknown>'.",
      );
    if (i === 1100)
      out.push(
        "src/resources/files.ts(277,14): error TS2820: Type '\"fine-tuning\"' is not assignable to type 'FilePurpose'.",
      );
  }
  return out;
}

/**
 * A biome lint report: `warnings` diagnostics marked `!` whose messages and code frames are full of error
 * words (`Forbidden`, `createError`, files named error.ts), and three errors marked `×` among them.
 */
function biomeReport(warnings: number): string[] {
  const out: string[] = [];
  const bar = '━'.repeat(40);
  const diagnostic = (
    file: string,
    line: number,
    rule: string,
    mark: string,
    message: string,
    code: string,
  ) => {
    out.push(
      `${file}:${line}:3 ${rule} ${bar}`,
      '',
      `  ${mark} ${message}`,
      '  ',
      `    ${line - 1} │ export function handler(event) {`,
      `  > ${line} │   ${code}`,
      '      │   ^^^^^^^^^^^^^^^^^^',
      `    ${line + 1} │ }`,
      '  ',
      "  i Read the rule's documentation for why this matters.",
      '  ',
      '',
    );
  };
  for (let w = 0; w < warnings; w++) {
    const at = 10 + (w % 40) * 3;
    diagnostic(
      `src/error-${w % 7}.ts`,
      at,
      'lint/style/noNonNullAssertion',
      '!',
      'Forbidden non-null assertion.',
      `throw createError(event.node!.req, ${w});`,
    );
    if (w === 20)
      diagnostic(
        'src/deprecated.ts',
        210,
        'lint/correctness/noVoidTypeReturn',
        '×',
        'The function should not return a value because its return type is void.',
        'return event.res.headers.delete(name);',
      );
    if (w === 70)
      diagnostic(
        'src/sanitize.ts',
        3,
        'lint/suspicious/noControlCharactersInRegex',
        '×',
        'Unexpected control character in a regular expression.',
        'const DISALLOWED = /[^\\u0009\\u0020-\\u007E]/g;',
      );
    if (w === 120)
      diagnostic(
        'test/app.test.ts',
        52,
        'lint/correctness/useYield',
        '×',
        "This generator function doesn't contain yield.",
        'async function* stream() {',
      );
  }
  out.push('Checked 94 files in 146ms. No fixes applied.', 'Found 3 errors.', `Found ${warnings} warnings.`);
  return out;
}

describe('logCompressor.lines', () => {
  it('keeps a failing vitest assertion, its diff and code frame, and the totals from a 3,000-line run', () => {
    const lines = vitestRun(120, 25, 60);
    const p = plan(lines, 'why does the test suite fail?');
    const kept = keptLines(lines, p);
    for (const needle of [
      ' FAIL  test/user/validate.test.ts > UserService > rejects an invalid email',
      "AssertionError: expected 'ok' to be 'invalid' // Object.is equality",
      '- invalid',
      '+ ok',
      ' ❯ test/user/validate.test.ts:42:25',
      "     42|     expect(res).toBe('invalid');",
      '   × UserService > rejects an invalid email 6ms',
      ' Test Files  1 failed | 119 passed (120)',
      '      Tests  1 failed | 2999 passed (3000)',
    ]) {
      expect(kept).toContain(needle);
    }
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(p.transform).toBe(`log:lines ${lines.length}→${kept.length}`);
  });

  it('reads failure reports through the colour codes some runners print into pipes', () => {
    const colour = (code: number, text: string) => `\u001b[${code}m${text}\u001b[39m`;
    const lines = vitestRun(120, 25, 60).map((l) =>
      l === '- Expected' || l === '- invalid'
        ? colour(32, l)
        : l === '+ Received' || l === '+ ok'
          ? colour(31, l)
          : l,
    );
    const kept = keptLines(lines, plan(lines));
    expect(kept).toContain(colour(32, '- Expected'));
    expect(kept).toContain(colour(31, '+ Received'));
    expect(kept).toContain(colour(32, '- invalid'));
    expect(kept).toContain(colour(31, '+ ok'));
  });

  it('describes runs of passing tests as passing tests, not as lines that mention errors', () => {
    const lines = vitestRun(120, 25, 60);
    const out = rendered(lines, plan(lines));
    expect(out.some((l) => /omitted: (?:[\d,]+ lines: )?[\d,]+ passing tests[,\]]/.test(l))).toBe(true);
    // `✓ … handles cart errors` is a passing test, whatever its name says.
    expect(out.filter((l) => l.includes('handles') && l.includes('errors')).length).toBeLessThan(10);
  });

  it('keeps the jest failure block and bounds its 31-frame stack trace to about a dozen frames', () => {
    const lines = jestRun();
    const p = plan(lines);
    const kept = keptLines(lines, p);
    for (const needle of [
      '  ● Suite 31 › rejects an invalid email',
      '    Expected: "invalid"',
      '    Received: "ok"',
      "    > 42 |     expect(res).toBe('invalid');",
      '      at Object.<anonymous> (src/suite-31/suite-31.test.js:42:17)',
      '    ✕ rejects an invalid email (12 ms)',
      'Tests:       1 failed, 2399 passed, 2400 total',
    ]) {
      expect(kept).toContain(needle);
    }
    const frames = kept.filter((l) => /^\s+at /.test(l));
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expect(frames.length).toBeLessThanOrEqual(12);
    expect(rendered(lines, p).some((l) => /omitted: \d+ stack trace lines\]$/.test(l))).toBe(true);
  });

  it('keeps the whole npm ERR! block, the compiler error and the install summary, and each warning once', () => {
    const lines = npmLog();
    const p = plan(lines);
    const kept = keptLines(lines, p);
    for (const needle of lines.filter((l) => l.startsWith('npm ERR!'))) expect(kept).toContain(needle);
    expect(kept).toContain(
      "src/cart/totals.ts(88,14): error TS2339: Property 'sku' does not exist on type 'LineItem'.",
    );
    expect(kept).toContain('added 1312 packages, and audited 1313 packages in 41s');
    expect(kept).toContain('Process exited with code 2');
    expect(kept).toContain(
      'npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.',
    );
    expect(kept).toContain(
      'npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported',
    );
    expect(kept.filter((l) => l.includes('ERESOLVE'))).toHaveLength(1);
    expect(kept.length).toBeLessThanOrEqual(100);
  });

  it('names the repeated template in the note for an omitted run', () => {
    const lines = npmLog();
    const out = rendered(lines, plan(lines));
    expect(
      out.some((l) =>
        /omitted: [\d,]+ lines.* like "npm http fetch GET 200 https:\/\/registry\.npmjs\.org\/pkg-\d+/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  it('keeps a server crash with its stack among 5,000 health checks, within the line budget', () => {
    const lines = serverLog(5000, 3100);
    const p = plan(lines);
    const kept = keptLines(lines, p);
    expect(kept).toContain("TypeError: Cannot read properties of undefined (reading 'sku')");
    expect(kept).toContain('    at computeTotals (/srv/app/src/orders/pricing.ts:41:22)');
    expect(kept.some((l) => l.includes('unhandled rejection while processing order 88123'))).toBe(true);
    expect(kept[0]).toBe(lines[0]);
    expect(kept.at(-1)).toBe(lines.at(-1));
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(rendered(lines, p).some((l) => l.includes('like "INFO  [http] GET'))).toBe(true);
  });

  it('keeps pytest failure details and the short summary from a verbose run', () => {
    const lines = pytestRun();
    const kept = keptLines(lines, plan(lines));
    for (const needle of [
      '_____________________________ test_refund_rounding _____________________________',
      '>       assert refund(order) == Decimal("10.01")',
      "E       AssertionError: assert Decimal('10.00') == Decimal('10.01')",
      'tests/test_refunds.py:42: AssertionError',
      '======================== 1 failed, 2399 passed in 12.31s ========================',
    ]) {
      expect(kept).toContain(needle);
    }
    expect(kept.some((l) => l.startsWith('tests/test_refunds.py::test_refund_rounding FAILED'))).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(100);
  });

  it('keeps the innermost frames of a long Python traceback and says how many were left out', () => {
    const lines = serverLog(3000, 5000).slice(0, 1500);
    const trace = ['Traceback (most recent call last):'];
    for (let f = 0; f < 25; f++)
      trace.push(`  File "/srv/app/layer${f}.py", line ${10 + f}, in call${f}`, `    return call${f + 1}(x)`);
    trace.push('  File "/srv/app/billing.py", line 88, in compute_refund', '    return total / count');
    trace.push('ZeroDivisionError: division by zero');
    const lines2 = [...lines, ...trace, ...serverLog(1500, 5000)];
    const p = plan(lines2);
    const kept = keptLines(lines2, p);
    expect(kept).toContain('Traceback (most recent call last):');
    expect(kept).toContain('  File "/srv/app/billing.py", line 88, in compute_refund');
    expect(kept).toContain('    return total / count');
    expect(kept).toContain('ZeroDivisionError: division by zero');
    expect(kept).toContain('  File "/srv/app/layer0.py", line 10, in call0');
    expect(kept).not.toContain('  File "/srv/app/layer10.py", line 20, in call10');
  });

  it('keeps the first and last of 300 identical connection errors and collapses the rest', () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = `2025-03-14 09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
      if (i % 10 === 5) lines.push(`${t} ERROR db: connect ECONNREFUSED 10.0.0.5:5432 (attempt ${i / 10})`);
      else lines.push(`${t} INFO  worker: polled queue, 0 jobs`);
    }
    const p = plan(lines);
    const kept = keptLines(lines, p);
    expect(kept).toContain(lines[5]);
    expect(kept).toContain(lines[2995]);
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(rendered(lines, p).some((l) => /like "ERROR db: connect ECONNREFUSED/.test(l))).toBe(true);
  });

  it('keeps a line the user asked about even when it is neither an error nor near one', () => {
    const lines = serverLog(5000, 4000);
    lines[2222] = '2025-03-14T09:37:02.000Z INFO  [orders] order 771204 accepted for customer 5531';
    const kept = keptLines(lines, plan(lines, 'what happened to order 771204?'));
    expect(kept).toContain(lines[2222]);
  });

  it('does not keep thousands of lines for a query word found everywhere', () => {
    const lines = serverLog(5000, 4000);
    const kept = keptLines(lines, plan(lines, 'is the api healthy?'));
    expect(kept.length).toBeLessThanOrEqual(100);
  });

  it('keeps summaries of a tsc run with many errors but only a few examples of a repeated one', () => {
    const lines: string[] = [];
    for (let i = 0; i < 600; i++) {
      lines.push(
        `src/module-${i % 40}/file-${i}.ts(${i + 1},5): error TS2304: Cannot find name 'legacyHelper'.`,
      );
    }
    lines.push('', 'Found 600 errors in 40 files.', '');
    const p = plan(lines);
    const kept = keptLines(lines, p);
    expect(kept).toContain(lines[0]);
    expect(kept).toContain(lines[599]);
    expect(kept).toContain('Found 600 errors in 40 files.');
    expect(kept.length).toBeLessThanOrEqual(40);
  });

  it('keeps one error of each code from a flood of 1,200 compiler errors of one code', () => {
    const lines = tscFlood();
    const p = plan(lines);
    const kept = keptLines(lines, p);
    for (const needle of [
      "src/core/pagination.ts(334,3): error TS2322: Type 'string | undefined' is not assignable to type 'number'.",
      "  Type 'undefined' is not assignable to type 'number'.",
      "src/core/streaming.ts(380,10): error TS2339: Property 'abort' does not exist on type 'Stream<unknown>'.",
      "src/resources/files.ts(277,14): error TS2820: Type '\"fine-tuning\"' is not assignable to type 'FilePurpose'.",
    ]) {
      expect(kept).toContain(needle);
    }
    expect(kept.length).toBeLessThanOrEqual(100);
  });

  it('spreads the errors it keeps over the directories of the flood, not only its first files', () => {
    const lines = tscFlood();
    const kept = keptLines(lines, plan(lines));
    for (const dir of ['src/_vendor/schema/', 'src/lib/', 'src/resources/admin/', 'src/resources/beta/'])
      expect(kept.some((l) => l.startsWith(dir))).toBe(true);
  });

  it('describes omitted compiler errors by code and where they are', () => {
    const lines = tscFlood();
    const out = rendered(lines, plan(lines));
    expect(out.some((l) => /omitted: [\d,]+ errors: TS1484 ×[\d,]+ in src\/lib\/…\]$/.test(l))).toBe(true);
  });

  it('keeps an error the question names by file among a thousand others', () => {
    const lines = tscFlood();
    lines[777] =
      "src/lib/upload.ts(12,5): error TS1484: 'UploadOptions' is a type and must be imported using a type-only import when 'verbatimModuleSyntax' is enabled.";
    const kept = keptLines(lines, plan(lines, 'what is wrong in src/lib/upload.ts?'));
    expect(kept).toContain(lines[777]);
  });

  it('keeps every error of a lint report among warnings whose words and code frames say error', () => {
    const lines = biomeReport(150);
    expect(logCompressor.detect(lines.join('\n'), {})).toBe(true);
    const kept = keptLines(lines, plan(lines, 'Which errors does biome report?'));
    for (const needle of [
      `src/deprecated.ts:210:3 lint/correctness/noVoidTypeReturn ${'━'.repeat(40)}`,
      '  × The function should not return a value because its return type is void.',
      '  > 210 │   return event.res.headers.delete(name);',
      `src/sanitize.ts:3:3 lint/suspicious/noControlCharactersInRegex ${'━'.repeat(40)}`,
      `test/app.test.ts:52:3 lint/correctness/useYield ${'━'.repeat(40)}`,
      "  × This generator function doesn't contain yield.",
      'Found 3 errors.',
    ]) {
      expect(kept).toContain(needle);
    }
    expect(kept.length).toBeLessThanOrEqual(100);
  });

  it('keeps the short paragraph of a line the question matches: a help text option with its name and default', () => {
    const lines = ['tsc: The TypeScript Compiler', '', 'ALL COMPILER OPTIONS', ''];
    for (let o = 0; o < 120; o++) {
      lines.push(
        `--option${o}`,
        `Enable check number ${o} for the program.`,
        'type: boolean',
        'default: false',
        '',
      );
    }
    lines.splice(
      200,
      0,
      '--erasableSyntaxOnly',
      'Do not allow runtime constructs that are not part of ECMAScript.',
      'type: boolean',
      'default: false',
      '',
    );
    lines.splice(
      400,
      0,
      '--moduleDetection',
      'Control what method is used to detect module-format JS files.',
      'one of: legacy, auto, force',
      'default: "auto": Treat files with imports as modules.',
      '',
    );
    const kept = keptLines(
      lines,
      plan(
        lines,
        'Which option rejects runtime constructs not in ECMAScript, and what does --moduleDetection default to?',
      ),
    );
    for (const needle of [
      '--erasableSyntaxOnly',
      '--moduleDetection',
      'default: "auto": Treat files with imports as modules.',
    ])
      expect(kept).toContain(needle);
    // A line in a long run without blank lines keeps no neighbours.
    const log = serverLog(400, 0);
    log[250] = `${log[250]} ECMAScript`;
    const keptLog = keptLines(log, plan(log, 'Where is ECMAScript mentioned?'));
    expect(keptLog).toContain(log[250]);
    expect(keptLog).not.toContain(log[249]);
  });

  it('keeps the commit, author, date and subject of every commit of a git log whose line it keeps', () => {
    const lines: string[] = [];
    for (let c = 0; c < 120; c++) {
      const file = c === 77 ? 'src/requests/sessions.py' : `docs/page-${c}.rst`;
      lines.push(
        `commit ${(c * 7919).toString(16).padStart(8, '0')}${'ab'.repeat(16)}`,
        `Author: Dev ${c} <dev${c}@example.com>`,
        `Date:   Mon Jun ${(c % 28) + 1} 19:33:26 2026 +0200`,
        '',
        `    Update page ${c} (#${7000 + c})`,
        '',
        `    Rewrites the section on topic ${c}.`,
        '',
        ` ${file} | ${(c % 9) + 1} +++--`,
        ' 1 file changed, 3 insertions(+), 2 deletions(-)',
        '',
      );
    }
    const at = lines.indexOf(' src/requests/sessions.py | 6 +++--');
    const kept = keptLines(
      lines,
      plan(lines, 'Which commit changed src/requests/sessions.py and who wrote it?'),
    );
    expect(kept).toContain(lines[at]);
    for (const header of lines.slice(at - 8, at - 4)) expect(kept).toContain(header);
    expect(kept).toContain('    Update page 77 (#7077)');
    // Commits with no kept line stay omitted.
    expect(kept).not.toContain('Author: Dev 60 <dev60@example.com>');
  });

  it('declines a log that already fits the budget', () => {
    expect(logCompressor.lines(serverLog(80, 40), contextFor())).toBeUndefined();
  });
});

describe('logCompressor.detect', () => {
  it('recognises test runs, npm output and timestamped server logs', () => {
    expect(logCompressor.detect(vitestRun(10, 10, 3).join('\n'), {})).toBe(true);
    expect(logCompressor.detect(npmLog().join('\n'), {})).toBe(true);
    expect(logCompressor.detect(serverLog(200, 100).join('\n'), {})).toBe(true);
    expect(logCompressor.detect(pytestRun().join('\n'), {})).toBe(true);
  });

  it('recognises an npm install run at --loglevel silly', () => {
    const lines = [
      'npm verbose cli /usr/bin/node /usr/bin/npm',
      'npm info using npm@11.19.1',
      'npm silly config load:file:/root/.npmrc',
      'npm verbose title npm install eslint@8',
      'npm silly idealTree buildDeps',
      'npm silly fetch manifest eslint@8',
      'npm silly placeDep ROOT eslint@8.57.1 OK for: lint-sandbox@1.0.0 want: 8',
      'npm silly fetch manifest glob@^7.1.3',
      'npm silly placeDep ROOT glob@7.2.3 OK for: rimraf@3.0.2 want: ^7.1.3',
      'npm silly reify moves {}',
    ];
    expect(logCompressor.detect(lines.join('\n'), {})).toBe(true);
  });

  it('does not claim a diff or plain prose', () => {
    const diff = [
      'diff --git a/x.ts b/x.ts',
      '--- a/x.ts',
      '+++ b/x.ts',
      '@@ -1,2 +1,2 @@',
      '-a',
      '+b',
      ' c',
    ].join('\n');
    expect(logCompressor.detect(diff, {})).toBe(false);
    const prose = Array.from(
      { length: 50 },
      (_, i) => `Paragraph ${i} explains how the cart works and why it matters.`,
    );
    expect(logCompressor.detect(prose.join('\n'), {})).toBe(false);
  });
});
