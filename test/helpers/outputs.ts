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
