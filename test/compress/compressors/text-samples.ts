/**
 * Realistic tool outputs for the code, listing, csv, html and prose compressors, built deterministically
 * (no randomness) so every run sees the same bytes.
 */

const AREAS = [
  'manifest',
  'lockfile',
  'registry',
  'cache',
  'graph',
  'script',
  'plugin',
  'catalog',
  'patch',
  'hoist',
];

function loaderFunction(area: string, n: number): string[] {
  const Name = `${area[0]!.toUpperCase()}${area.slice(1)}`;
  return [
    `/**`,
    ` * Reads the ${area} of one package and normalises its fields.`,
    ` * Missing optional fields get their defaults; unknown fields are kept as they are.`,
    ` */`,
    `export async function load${Name}${n}(dir: string, options: LoadOptions = {}): Promise<${Name}Record> {`,
    `  const file = path.join(dir, options.fileName ?? '${area}.json');`,
    `  let raw: string;`,
    `  try {`,
    `    raw = await readFile(file, 'utf8');`,
    `  } catch (cause) {`,
    `    throw new WorkspaceError(\`cannot read \${file}\`, { cause });`,
    `  }`,
    `  const parsed = JSON.parse(raw) as Partial<${Name}Record>;`,
    `  const entries = Object.entries(parsed.entries ?? {});`,
    `  const normalised: ${Name}Record['entries'] = {};`,
    `  for (const [key, value] of entries) {`,
    `    if (typeof value !== 'string') continue;`,
    `    const trimmed = value.trim();`,
    `    if (trimmed.length === 0) continue;`,
    `    normalised[key.toLowerCase()] = trimmed;`,
    `  }`,
    `  const missing = REQUIRED_FIELDS.filter((field) => !(field in normalised));`,
    `  if (missing.length > 0) {`,
    `    options.logger?.warn(\`\${file}: filling \${missing.join(', ')} with defaults\`);`,
    `    for (const field of missing) normalised[field] = DEFAULTS[field] ?? '';`,
    `  }`,
    `  const aliases = new Map<string, string>();`,
    `  for (const [key, value] of Object.entries(normalised)) {`,
    `    if (!value.startsWith('alias:')) continue;`,
    `    aliases.set(key, value.slice('alias:'.length));`,
    `  }`,
    `  for (const [key, target] of aliases) {`,
    `    normalised[key] = normalised[target] ?? normalised[key]!;`,
    `  }`,
    `  const version = parsed.version ?? ${n};`,
    `  options.logger?.debug(\`loaded ${area} \${file} (v\${version})\`);`,
    `  return { file, version, entries: normalised, checkedAt: options.now ?? 0 };`,
    `}`,
    ``,
  ];
}

function helperFunction(area: string, n: number): string[] {
  return [
    `function ${area}Key${n}(name: string, version: string): string {`,
    `  return \`\${name}@\${version}\`.toLowerCase();`,
    `}`,
    ``,
  ];
}

const RESOLVE_ROOT = [
  `/**`,
  ` * Walks up from \`start\` to the directory that holds the workspace manifest.`,
  ` * Returns null when no ancestor is a workspace root.`,
  ` */`,
  `export async function resolveWorkspaceRoot(`,
  `  start: string,`,
  `  logger: Logger,`,
  `): Promise<string | null> {`,
  `  let dir = path.resolve(start);`,
  `  const seen = new Set<string>();`,
  `  while (!seen.has(dir)) {`,
  `    seen.add(dir);`,
  `    for (const marker of ROOT_MARKERS) {`,
  `      const candidate = path.join(dir, marker);`,
  `      const info = await stat(candidate).catch(() => undefined);`,
  `      if (info?.isFile()) {`,
  `        logger.debug(\`workspace root marker \${candidate}\`);`,
  `        return dir;`,
  `      }`,
  `    }`,
  `    const nested = path.join(dir, 'packages');`,
  `    if (seen.size > MAX_DEPTH) {`,
  `      logger.warn(\`stopped looking for a workspace root above \${nested}\`);`,
  `      return null;`,
  `    }`,
  `    dir = path.dirname(dir);`,
  `  }`,
  `  return null;`,
  `}`,
  ``,
];

const INDEX_CLASS = [
  `export class WorkspaceIndex {`,
  `  private readonly packages = new Map<string, PackageInfo>();`,
  `  private dirty = false;`,
  ``,
  `  constructor(private readonly root: string) {}`,
  ``,
  `  @trace()`,
  `  async refresh(logger: Logger): Promise<number> {`,
  `    const dirs = await listPackageDirs(this.root);`,
  `    let added = 0;`,
  `    for (const dir of dirs) {`,
  `      const info = await readPackageInfo(dir);`,
  `      if (!info) continue;`,
  `      if (!this.packages.has(info.name)) added += 1;`,
  `      this.packages.set(info.name, info);`,
  `    }`,
  `    this.dirty = added > 0;`,
  `    logger.info(\`indexed \${this.packages.size} packages (\${added} new)\`);`,
  `    return added;`,
  `  }`,
  ``,
  `  get(name: string): PackageInfo | undefined {`,
  `    return this.packages.get(name);`,
  `  }`,
  `}`,
  ``,
];

/** A ~600-line TypeScript module: imports, types, a class, one `resolveWorkspaceRoot`, many loaders. */
export function workspaceModule(): string[] {
  const out = [
    `import { readFile, stat } from 'node:fs/promises';`,
    `import path from 'node:path';`,
    `import type { Logger } from './logger.js';`,
    `import { listPackageDirs, readPackageInfo, type PackageInfo } from './packages.js';`,
    `import { trace } from './trace.js';`,
    ``,
    `const ROOT_MARKERS = ['pnpm-workspace.yaml', 'lerna.json', 'rush.json'];`,
    `const MAX_DEPTH = 40;`,
    `const REQUIRED_FIELDS = ['name', 'version', 'main'];`,
    `const DEFAULTS: Record<string, string> = { main: 'index.js' };`,
    ``,
    `export interface LoadOptions {`,
    `  fileName?: string;`,
    `  logger?: Logger;`,
    `  now?: number;`,
    `}`,
    ``,
    `export type PackageKind = 'app' | 'lib' | 'tool';`,
    ``,
    `export class WorkspaceError extends Error {`,
    `  override readonly name = 'WorkspaceError';`,
    `}`,
    ``,
  ];
  out.push(...INDEX_CLASS);
  for (let n = 0; n < 15; n++) {
    const area = AREAS[n % AREAS.length]!;
    if (n === 9) out.push(...RESOLVE_ROOT);
    out.push(...loaderFunction(area, n));
    if (n % 3 === 0) out.push(...helperFunction(area, n));
  }
  return out;
}

/** `find . -type f` over a React app: components, styles, tests, assets, one file the question names. */
export function findListing(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 180; i++) out.push(`./src/components/Widget${i}/Widget${i}.tsx`);
  for (let i = 0; i < 32; i++) out.push(`./src/components/Widget${i}/Widget${i}.module.css`);
  for (let i = 0; i < 60; i++) out.push(`./src/hooks/use${AREAS[i % AREAS.length]}${i}.ts`);
  out.push('./src/services/billing/invoiceFormatter.ts');
  for (let i = 0; i < 120; i++) out.push(`./test/components/Widget${i}.test.tsx`);
  for (let i = 0; i < 90; i++) out.push(`./public/assets/icon-${i}.svg`);
  out.push("find: './private': Permission denied");
  for (let i = 0; i < 40; i++) out.push(`./scripts/task-${i}.mjs`);
  return out;
}

/** `ls -la` of a build directory: 400 rows, one huge bundle, one symlink. */
export function lsLaListing(): string[] {
  const out = [
    'total 48212',
    'drwxr-xr-x  14 dev staff     448 Mar 14 09:12 .',
    'drwxr-xr-x  31 dev staff     992 Mar 14 09:10 ..',
  ];
  for (let i = 0; i < 400; i++) {
    const size = String(1000 + ((i * 7919) % 90_000)).padStart(8);
    const name = i === 250 ? 'vendor.bundle.js' : `chunk-${i.toString(16).padStart(4, '0')}.js`;
    out.push(
      `-rw-r--r--   1 dev staff ${i === 250 ? '48213377' : size} Mar 14 09:${String(i % 60).padStart(2, '0')} ${name}`,
    );
  }
  out.push('lrwxr-xr-x   1 dev staff      21 Mar 14 09:12 latest -> chunk-0001.js');
  return out;
}

/** An orders export: `rows` data rows, order 7321 belongs to the customer the question names. */
export function ordersCsv(rows: number): string[] {
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'];
  const out = ['order_id,customer,region,status,amount_usd,created_at'];
  for (let i = 1; i <= rows; i++) {
    const customer = i === 7321 ? 'Globex Corporation' : `customer-${(i * 37) % 1500}`;
    const status = i === 4100 ? 'failed' : i % 50 === 0 ? 'refunded' : 'paid';
    const amount = i === 9000 ? '98000.00' : (40 + ((i * 13) % 160) + (i % 7) / 10).toFixed(2);
    const day = String(1 + (i % 28)).padStart(2, '0');
    out.push(
      `ORD-${String(i).padStart(6, '0')},${customer},${regions[i % 4]},${status},${amount},2025-02-${day}T10:00:00Z`,
    );
  }
  return out;
}

/** A documentation page: head with scripts and styles, nav, article with table and code, footer. */
export function docsPage(): string {
  const items = Array.from(
    { length: 30 },
    (_, i) => `        <li><a href="/docs/page-${i}">Guide page ${i}</a></li>`,
  );
  const rows = Array.from(
    { length: 12 },
    (_, i) =>
      `          <tr><td>retry_${i}</td><td>${i * 100}</td><td>Delay before attempt ${i} &amp; later</td></tr>`,
  );
  const script = Array.from(
    { length: 38 },
    (_, i) => `      window.__analytics.push({ event: 'view', slot: ${i} });`,
  );
  const style = Array.from(
    { length: 20 },
    (_, i) => `      .theme-${i} { color: #${(i * 111111).toString(16).slice(0, 6)}; }`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8">',
    '    <title>Retry policy &mdash; Acme SDK docs</title>',
    '    <link rel="stylesheet" href="/static/site.css">',
    '    <style>',
    ...style,
    '    </style>',
    '    <script>',
    ...script,
    '    </script>',
    '  </head>',
    '  <body>',
    '    <nav class="sidebar">',
    '      <ul>',
    ...items,
    '      </ul>',
    '    </nav>',
    '    <main>',
    '      <article>',
    '        <h1>Retry policy</h1>',
    '        <p>The client retries failed requests with exponential back-off.',
    '          Each delay is doubled, up to <code>maxRetryDelay</code>.</p>',
    '        <!-- TODO: document jitter -->',
    '        <h2>Defaults</h2>',
    '        <table>',
    '          <tr><th>Setting</th><th>Value (ms)</th><th>Meaning</th></tr>',
    ...rows,
    '        </table>',
    '        <h2>Configuring</h2>',
    '        <ul>',
    '          <li>Set <code>maxRetries</code> to <strong>0</strong> to turn retries off.</li>',
    '          <li>See <a href="/docs/timeouts#request-timeout">request timeouts</a> for the overall limit.</li>',
    '        </ul>',
    '        <pre><code>const client = new Client({',
    '  maxRetries: 5,',
    '  retryDelay: (n) =&gt; 2 ** n * 100,',
    '});</code></pre>',
    '        <svg width="10" height="10"><path d="M0 0L10 10"/><text>chart label</text></svg>',
    '      </article>',
    '    </main>',
    '    <footer>',
    '      <p>&copy; 2025 Acme Inc. All rights reserved.</p>',
    '      <p><a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p>',
    '    </footer>',
    '  </body>',
    '</html>',
  ].join('\n');
}

/** A changelog of 40 releases, newest first, with feature and fix lists. */
export function changelog(): string[] {
  const out = ['# Changelog', '', 'All notable changes to this project are documented here.', ''];
  for (let r = 40; r >= 1; r--) {
    const version = `2.${Math.floor(r / 10)}.${r % 10}`;
    out.push(
      `## ${version} (2025-${String(1 + (r % 12)).padStart(2, '0')}-${String(1 + (r % 27)).padStart(2, '0')})`,
      '',
    );
    out.push('### Features', '');
    for (let f = 0; f < 3; f++)
      out.push(`* **${AREAS[(r + f) % AREAS.length]}:** support option ${r}-${f} in the resolver`);
    out.push('', '### Bug Fixes', '');
    for (let f = 0; f < 2; f++) {
      out.push(`* **${AREAS[(r * 3 + f) % AREAS.length]}:** handle empty input in step ${f} of release ${r}`);
    }
    out.push('');
  }
  return out;
}
