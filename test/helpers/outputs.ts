/** Realistic tool outputs for tests, generated deterministically. */

/** A vitest-style run of `passing` tests with one failing test in the middle. */
export function testLog(passing = 1200): string {
  const lines: string[] = ['> app@1.0.0 test', '> vitest run', '', ' RUN  v4.1.0 /home/dev/app', ''];
  for (let i = 0; i < passing; i++) {
    lines.push(
      ` ✓ src/modules/module${i % 40}.test.ts > feature ${i} > handles case ${i} (${(i * 7) % 23}ms)`,
    );
    if (i === Math.floor(passing / 2)) {
      lines.push(' × src/billing/invoice.test.ts > computeTotal > applies the discount once (4ms)');
      lines.push('   → AssertionError: expected 90 to be 81 // Object.is equality');
      lines.push('     at src/billing/invoice.test.ts:42:19');
      lines.push('     at processTicksAndRejections (node:internal/process/task_queues:95:5)');
    }
  }
  lines.push(
    '',
    ` Test Files  1 failed | 39 passed (40)`,
    `      Tests  1 failed | ${passing} passed (${passing + 1})`,
    '   Duration  4.21s',
  );
  return `${lines.join('\n')}\n`;
}

/** A JSON array of API records, one of them failed, one named `needle-service`. */
export function apiRecords(count = 600): string {
  const items = [];
  for (let i = 0; i < count; i++) {
    items.push({
      id: `svc-${1000 + i}`,
      name: i === 417 ? 'needle-service' : `service-${i}`,
      status: i === 233 ? 'failed' : 'healthy',
      region: ['us-east-1', 'eu-west-1', 'ap-south-1'][i % 3],
      latencyMs: 20 + ((i * 37) % 50),
      updatedAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
    });
  }
  return JSON.stringify(items, null, 2);
}

/** `grep -rn` output over many files; one line names `resolveWidgetConfig`. */
export function grepOutput(files = 80, perFile = 12): string {
  const lines: string[] = [];
  for (let f = 0; f < files; f++) {
    for (let m = 0; m < perFile; m++) {
      const name = f === 57 && m === 9 ? 'resolveWidgetConfig' : `handler${f}_${m}`;
      lines.push(`src/feature${f}/index.ts:${10 + m * 7}:export function ${name}(input: Input): Output {`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The failing assertion of `longFailingLog`, on a line of its own. */
export const LONG_LOG_ASSERTION = '   → AssertionError: expected 10.05 to equal 10.06 // Object.is equality';

/**
 * A 5,000-line, ~420 KB failing test run whose one failure sits at line 3,100: the log each of Gemini
 * CLI, Qwen Code and opencode lost the assertion of when they cut it themselves (design note §10).
 */
export function longFailingLog(): string {
  const lines: string[] = [];
  for (let i = 1; lines.length < 5000; i++) {
    if (lines.length === 3098) {
      lines.push(' × src/billing/invoice.test.ts > invoice totals > rounds half cents up (3ms)');
      lines.push(LONG_LOG_ASSERTION);
      lines.push('     at src/billing/invoice.test.ts:42:19');
    }
    const module = `src/modules/module${String(i % 97).padStart(2, '0')}/feature-${i}.test.ts`;
    lines.push(` ✓ ${module} > feature ${i} > handles edge case ${i % 13} (${(i * 7) % 23}ms)`);
  }
  return `${lines.slice(0, 4997).join('\n')}\n\n Test Files  1 failed | 96 passed (97)\n      Tests  1 failed | 4996 passed (4997)\n`;
}
