import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
};

describe('package.json', () => {
  it('runs nothing at install: dist/ is built when packing, not by the installer', () => {
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(pkg.scripts[hook]).toBeUndefined();
    expect(pkg.scripts.prepack).toMatch(/tsc -p tsconfig\.build\.json/);
    // The token tables dist/tokens/*.bpe ship too, so no user's first count builds one.
    expect(pkg.scripts.prepack).toMatch(/scripts\/build-bpe-tables\.ts/);
    // And the CLI's bundle, dist/bundle/, which bin/headroom.js runs.
    expect(pkg.scripts.prepack).toMatch(/scripts\/bundle-cli\.ts/);
    expect(pkg.scripts.build).toBe(pkg.scripts.prepack);
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'bin']));
  });

  it('needs get-port only in tests', () => {
    expect(pkg.dependencies['get-port']).toBeUndefined();
  });
});
