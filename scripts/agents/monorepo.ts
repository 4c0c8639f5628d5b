import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A three-package npm workspace whose `npm test` runs ~2,700 vitest tests over the real lockfile of
 * /work/main. `packages/core` has one real bug (prerelease tags are ignored when versions are compared),
 * so exactly one assertion fails; `packages/config` runs before it and `packages/lockfile` after it, both
 * passing, which puts the failure report in the middle of the output, where a head-and-tail cut loses it.
 */
const VERSION_TS = `export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
}

const PATTERN = /^(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?$/;

export function parse(text: string): Version {
  const m = PATTERN.exec(text);
  if (!m) throw new Error(\`invalid version: \${text}\`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split('.') : [] };
}

export function format(v: Version): string {
  const core = \`\${v.major}.\${v.minor}.\${v.patch}\`;
  return v.prerelease.length > 0 ? \`\${core}-\${v.prerelease.join('.')}\` : core;
}

export function bump(v: Version, part: 'major' | 'minor' | 'patch'): Version {
  if (part === 'major') return { major: v.major + 1, minor: 0, patch: 0, prerelease: [] };
  if (part === 'minor') return { major: v.major, minor: v.minor + 1, patch: 0, prerelease: [] };
  return { major: v.major, minor: v.minor, patch: v.patch + 1, prerelease: [] };
}

// The bug: prerelease tags never take part in the comparison.
export function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

export function satisfiesCaret(version: string, range: string): boolean {
  const v = parse(version);
  const r = parse(range.replace(/^\\^/, ''));
  if (v.major !== r.major) return false;
  return compare(version, format(r)) >= 0;
}
`;

const LOCK_TS = `import { readFileSync } from 'node:fs';

export interface LockEntry {
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly license?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
}

interface LockFile {
  packages: Record<string, Omit<LockEntry, 'path' | 'name'>>;
}

const lock = JSON.parse(readFileSync(new URL('../fixtures/lock.json', import.meta.url), 'utf8')) as LockFile;

/** Every installed package of a real lockfile. */
export const entries: LockEntry[] = Object.entries(lock.packages)
  .filter(([key, value]) => key !== '' && typeof value.version === 'string')
  .map(([key, value]) => ({ ...value, path: key, name: key.slice(key.lastIndexOf('node_modules/') + 13) }));
`;

const CORE_PARSE_TEST = `import { describe, expect, it } from 'vitest';
import { entries } from '../../../shared/lock.js';
import { bump, format, parse } from '../src/version.js';

const cases = entries.map((e) => [e.name, e.version] as const);

describe('parse', () => {
  it.each(cases)('reads %s@%s', (_name, version) => {
    expect(parse(version).major).toBeGreaterThanOrEqual(0);
  });
  it.each(cases)('round-trips %s@%s', (_name, version) => {
    expect(format(parse(version))).toBe(version.replace(/\\+.*$/, ''));
  });
});

describe('bump', () => {
  it.each(cases)('bumps the patch of %s@%s', (_name, version) => {
    expect(bump(parse(version), 'patch').patch).toBe(parse(version).patch + 1);
  });
  it.each(cases)('resets the patch when bumping the minor of %s@%s', (_name, version) => {
    expect(bump(parse(version), 'minor').patch).toBe(0);
  });
});
`;

const CORE_COMPARE_TEST = `import { describe, expect, it } from 'vitest';
import { entries } from '../../../shared/lock.js';
import { bump, compare, format, parse, satisfiesCaret } from '../src/version.js';

const cases = entries.map((e) => [e.name, e.version] as const);

describe('compare', () => {
  it.each(cases)('orders %s@%s before its next minor', (_name, version) => {
    expect(compare(version, format(bump(parse(version), 'minor')))).toBeLessThan(0);
  });
  it.each(cases)('treats %s@%s as equal to itself', (_name, version) => {
    expect(compare(version, version)).toBe(0);
  });
});

describe('prereleases', () => {
  it('orders a release candidate before its release', () => {
    expect(compare('2.0.0-rc.1', '2.0.0')).toBeLessThan(0);
  });
});

describe('caret ranges', () => {
  it.each(cases)('lets %s@%s satisfy its own caret range', (_name, version) => {
    expect(satisfiesCaret(version, \`^\${version}\`)).toBe(true);
  });
});
`;

const LOCKFILE_TEST = `import { describe, expect, it } from 'vitest';
import { entries } from '../../../shared/lock.js';

const named = entries.map((e) => [e.path, e] as const);

describe('lockfile entries', () => {
  it.each(named)('%s has a version', (_path, e) => {
    expect(e.version).toMatch(/^\\d+\\.\\d+\\.\\d+/);
  });
  it.each(named)('%s resolves to the npm registry', (_path, e) => {
    expect(e.resolved ?? 'https://registry.npmjs.org/').toContain('https://registry.npmjs.org/');
  });
  it.each(named)('%s has a sha512 integrity hash', (_path, e) => {
    expect(e.integrity ?? 'sha512-').toMatch(/^sha512-/);
  });
  it.each(named)('%s is named after its folder', (path, e) => {
    expect(path.endsWith(e.name)).toBe(true);
  });
  it.each(named)('%s declares a license or none at all', (_path, e) => {
    expect(e.license === undefined || e.license.length > 0).toBe(true);
  });
  it.each(named)('%s is either dev or optional or runtime', (_path, e) => {
    expect([true, false, undefined]).toContain(e.dev);
  });
});
`;

const CONFIG_TEST = `import { describe, expect, it } from 'vitest';
import { entries } from '../../../shared/lock.js';

const pinned = entries.map((e) => [e.name, e.version] as const);

describe('release config', () => {
  it.each(pinned)('pins %s to an exact version (%s)', (_name, version) => {
    expect(version).not.toMatch(/^[~^]/);
  });
});
`;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

async function writePackage(root: string, name: string, files: Record<string, string>): Promise<void> {
  const dir = path.join(root, 'packages', name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    json({
      name: `@acme/${name}`,
      version: '1.4.0',
      private: true,
      type: 'module',
      scripts: { test: 'vitest run --reporter=verbose' },
    }),
  );
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
}

export async function writeMonorepo(dir: string, lockFile: string, nodeModules: string): Promise<void> {
  await mkdir(path.join(dir, 'shared'), { recursive: true });
  await mkdir(path.join(dir, 'fixtures'), { recursive: true });
  await symlink(nodeModules, path.join(dir, 'node_modules'));
  await copyFile(lockFile, path.join(dir, 'fixtures/lock.json'));
  await writeFile(path.join(dir, 'shared/lock.ts'), LOCK_TS);
  await writeFile(
    path.join(dir, 'package.json'),
    json({
      name: 'acme-release-tools',
      private: true,
      type: 'module',
      workspaces: ['packages/*'],
      scripts: { test: 'npm test --workspaces' },
    }),
  );
  await writePackage(dir, 'config', { 'src/index.ts': 'export {};\n', 'test/pins.test.ts': CONFIG_TEST });
  await writePackage(dir, 'core', {
    'src/version.ts': VERSION_TS,
    'test/parse.test.ts': CORE_PARSE_TEST,
    'test/compare.test.ts': CORE_COMPARE_TEST,
  });
  await writePackage(dir, 'lockfile', {
    'src/index.ts': 'export {};\n',
    'test/entries.test.ts': LOCKFILE_TEST,
  });
}
