#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The published package ships dist/ (built by `prepack`), so nothing runs at install: the CLI runs
// from its bundle, dist/bundle/ (scripts/bundle-cli.ts). A fresh clone has no dist/ until
// `npm run build`; there the CLI runs from src/ through tsx, a dev dependency.
const built = new URL('../dist/bundle/cli.js', import.meta.url);
const { run } = existsSync(built)
  ? await import(built.href)
  : await (await import('tsx/esm/api')).tsImport('../src/cli/main.ts', import.meta.url);

const code = await run(process.argv.slice(2));
// Exit once output is flushed, so idle keep-alive sockets cannot hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
