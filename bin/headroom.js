#!/usr/bin/env node
import { run } from '../dist/cli/main.js';

const code = await run(process.argv.slice(2));
// Exit once output is flushed, so idle keep-alive sockets cannot hold the process open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
