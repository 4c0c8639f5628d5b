import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

// A small version library with one real bug: prerelease tags are ignored when comparing.
const VERSIONS_TS = `export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
}

const PATTERN = /^(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?$/;

export function parseVersion(text: string): Version {
  const m = PATTERN.exec(text);
  if (!m) throw new Error(\`not a version: \${text}\`);
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split('.') : [],
  };
}

export function formatVersion(v: Version): string {
  const base = \`\${v.major}.\${v.minor}.\${v.patch}\`;
  return v.prerelease.length > 0 ? \`\${base}-\${v.prerelease.join('.')}\` : base;
}

export function bumpPatch(v: Version): Version {
  return { major: v.major, minor: v.minor, patch: v.patch + 1, prerelease: [] };
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

export function sortVersions(list: readonly string[]): string[] {
  return [...list].sort(compareVersions);
}
`;

const INSTALLED_TS = `import { readFileSync } from 'node:fs';

interface Lock {
  packages: Record<string, { version?: string }>;
}

const lock = JSON.parse(readFileSync(new URL('../fixtures/lock.json', import.meta.url), 'utf8')) as Lock;

/** Every package of a real lockfile as [name, version]. */
export const installed: Array<[string, string]> = Object.entries(lock.packages)
  .filter(([key, value]) => key !== '' && value.version !== undefined)
  .map(([key, value]) => [key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length), value.version as string]);
`;

// One test file, so the verbose report lists tests in definition order: the failing sort test sits
// between ~200 passing tests above it and ~200 below.
const VERSIONS_TEST = `import { describe, expect, it } from 'vitest';
import { bumpPatch, compareVersions, formatVersion, parseVersion, sortVersions } from '../src/versions.js';
import { installed } from './installed.js';

describe('parseVersion', () => {
  it.each(installed)('round-trips %s@%s', (_name, version) => {
    expect(formatVersion(parseVersion(version))).toBe(version);
  });
});

describe('sortVersions', () => {
  it('sorts by major version', () => {
    expect(sortVersions(['3.0.0', '1.0.0', '2.0.0'])).toEqual(['1.0.0', '2.0.0', '3.0.0']);
  });
  it('sorts minor versions numerically', () => {
    expect(sortVersions(['1.10.0', '1.9.0', '1.2.0'])).toEqual(['1.2.0', '1.9.0', '1.10.0']);
  });
  it('sorts patch versions numerically', () => {
    expect(sortVersions(['5.4.10', '5.4.5', '5.4.2'])).toEqual(['5.4.2', '5.4.5', '5.4.10']);
  });
  it('sorts prereleases before their release', () => {
    expect(sortVersions(['4.0.0', '4.0.0-beta.3', '3.9.1', '4.0.0-rc.1'])).toEqual([
      '3.9.1',
      '4.0.0-beta.3',
      '4.0.0-rc.1',
      '4.0.0',
    ]);
  });
  it('keeps equal versions together', () => {
    expect(sortVersions(['2.1.0', '2.1.0', '1.0.0'])).toEqual(['1.0.0', '2.1.0', '2.1.0']);
  });
  it('does not modify its input', () => {
    const input = ['2.0.0', '1.0.0'];
    sortVersions(input);
    expect(input).toEqual(['2.0.0', '1.0.0']);
  });
  it('treats equal versions as equal', () => {
    expect(compareVersions('7.3.1', '7.3.1')).toBe(0);
  });
  it('rejects text that is not a version', () => {
    expect(() => sortVersions(['1.0', '2.0.0'])).toThrow('not a version: 1.0');
  });
});

describe('compareVersions', () => {
  it.each(installed)('orders %s@%s before its next patch', (_name, version) => {
    const next = formatVersion(bumpPatch(parseVersion(version)));
    expect(compareVersions(version, next)).toBeLessThan(0);
  });
});
`;

/**
 * A project with ~400 tests: a round trip and an ordering check for every package of /work/main's real
 * lockfile, and a handful of sorting tests, one of which fails because of the bug above.
 */
export async function writeVitestProject(dir: string, mainRepo: string): Promise<void> {
  await mkdir(path.join(dir, 'src'));
  await mkdir(path.join(dir, 'test'));
  await mkdir(path.join(dir, 'fixtures'));
  await symlink(path.join(mainRepo, 'node_modules'), path.join(dir, 'node_modules'));
  await copyFile(path.join(mainRepo, 'package-lock.json'), path.join(dir, 'fixtures/lock.json'));
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'semver-lite', version: '0.3.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  await writeFile(path.join(dir, 'src/versions.ts'), VERSIONS_TS);
  await writeFile(path.join(dir, 'test/installed.ts'), INSTALLED_TS);
  await writeFile(path.join(dir, 'test/versions.test.ts'), VERSIONS_TEST);
}
