/**
 * Bundles the CLI and the proxy's compression worker into `dist/bundle/`, and the dashboard page's
 * script and style into `dist/assets/` (part of `npm run build`, and so of `prepack`). Node's ES
 * module loader costs about half a millisecond per module to resolve, read and link; the CLI's
 * `compress` loaded ~90 of them, more than node's own start. The bundle loads the same code as a
 * handful of files: one per command, plus the chunks they share, each loaded only when the command
 * that runs needs it (`src/cli/main.ts` imports commands lazily, and esbuild keeps every dynamic
 * import a separate file).
 *
 * The library (`dist/index.js`, the package's exports) stays tsc's one-file-per-module output with
 * its .d.ts types; the bundle is only what `bin/headroom.js` runs.
 *
 * Files found from `import.meta.url` keep working because every bundled file sits two levels under the
 * package root, as src/<dir>/ and dist/<dir>/ modules do: `../../package.json`, `../../bin/headroom.js`,
 * `../tokens/*.bpe` (the tables `build-bpe-tables.ts` writes), and `./compress-worker.js`, an entry here.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = 'dist/bundle';

/**
 * The CLI, the worker, and each command module (which `main.ts` imports lazily) under a name of its
 * own, `command-<name>.js`, so a stack trace or a loaded-module list says which command it is.
 */
const entryPoints: Record<string, string> = {
  cli: 'src/cli/main.ts',
  'compress-worker': 'src/proxy/compress-worker.ts',
};
for (const file of await readdir(`${ROOT}/src/cli/commands`))
  if (file.endsWith('.ts')) entryPoints[`command-${file.slice(0, -3)}`] = `src/cli/commands/${file}`;

await rm(`${ROOT}/${OUT}`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Not minified: it loads no faster measurably, and each module's code stays under a `// src/…` line
  // naming it, for stack traces and for test/cli/startup.test.ts, which checks what a command loads.
  // gpt-tokenizer is only loaded to build a missing token table, and `bpe-source.ts` finds its
  // package.json through node's resolution, so it stays an installed dependency.
  external: ['gpt-tokenizer'],
  // Bundled CommonJS dependencies (commander, ws, cross-spawn) call `require` for node's modules. It is
  // made on first use: `createRequire` costs ~0.3 ms, paid otherwise by every file at load.
  banner: {
    js: [
      "import { createRequire as __headroomCreateRequire } from 'node:module';",
      'let __headroomRequire;',
      'const require = (id) => (__headroomRequire ??= __headroomCreateRequire(import.meta.url))(id);',
    ].join(' '),
  },
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, out) => sum + out.bytes, 0);
process.stdout.write(
  `bundled the CLI into ${OUT}/: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KB\n`,
);

// The dashboard's page script and style (uPlot included), which the proxy serves from `dist/assets/`:
// one file each, nothing fetched from elsewhere (its Content-Security-Policy allows only its own origin).
const ASSETS = 'dist/assets';
await rm(`${ROOT}/${ASSETS}`, { recursive: true, force: true });
// uPlot's MIT licence travels with the copy of it bundled here (its source header has no `@license` tag
// that esbuild would keep).
const uplotLicense = (await readFile(`${ROOT}/node_modules/uplot/LICENSE`, 'utf8')).replaceAll('*/', '* /');
const licenseBanner = `/*! uPlot (https://github.com/leeoniya/uPlot), bundled into the headroom dashboard.\n${uplotLicense}*/`;
const page = await build({
  absWorkingDir: ROOT,
  entryPoints: { dashboard: 'src/dashboard/client/main.ts' },
  outdir: ASSETS,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  banner: { js: licenseBanner, css: licenseBanner },
  logLevel: 'warning',
  metafile: true,
});
const pageBytes = Object.values(page.metafile.outputs).reduce((sum, out) => sum + out.bytes, 0);
process.stdout.write(`bundled the dashboard page into ${ASSETS}/: ${(pageBytes / 1024).toFixed(0)} KB\n`);
