import type { AgentCase, AgentShape } from '../../test/helpers/agent-cases.js';

export type { AgentCase } from '../../test/helpers/agent-cases.js';

/** Scratch projects, logs and agent homes; fixed so paths inside the captures are the same on every run. */
export const SCRATCH = '/tmp/headroom-agents';

export interface CaptureRecipe {
  readonly name: string;
  readonly agent: 'claude' | 'codex';
  readonly shape: AgentShape;
  /** Claude Code's tool (`Read`, `Bash`); Codex always uses `exec_command`. */
  readonly tool: string;
  readonly input: Record<string, unknown>;
  /** `main` for /work/main, else a folder under SCRATCH. */
  readonly cwd: string;
  readonly question: string;
  readonly needles: readonly string[];
  /** Save this run's request bodies for the proxy's replay tests (the first recipe per agent that says so). */
  readonly saveRequests?: boolean;
}

const LOGS = `${SCRATCH}/logs`;
/** Odd files for ragged cases: an empty one, and a lockfile minified to one line. */
export const FILES = `${SCRATCH}/files`;
/**
 * How the model calls `exec_command`. Codex cuts each command's output at the call's `max_output_tokens`
 * (default 10,000 tokens) even when `tool_output_token_limit` is raised, so the call asks for more; with
 * Codex's default limit the same call still gets only ~10,000 characters. A command still running after
 * `yield_time_ms` is polled with `write_stdin` by the fake provider.
 */
const EXEC = { yield_time_ms: 30_000, max_output_tokens: 200_000 };

export const RECIPES: readonly CaptureRecipe[] = [
  {
    name: 'claude-read-lockfile-json',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: '/work/main/node_modules/.package-lock.json' },
    cwd: 'monorepo',
    question: 'Which version of hono is installed, and what is its integrity hash?',
    needles: [
      '"node_modules/hono": {',
      '"version": "4.13.19"',
      'sha512-KmXvQAXwcAHV+muzbIwoJ23niEB5nMoDVr9WcRkU8mvjUECm',
    ],
    saveRequests: true,
  },
  {
    name: 'claude-read-babel-exports-json',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: '/work/main/node_modules/@babel/runtime/package.json' },
    cwd: 'monorepo',
    question:
      'Where does the `./helpers/objectWithoutPropertiesLoose` export of @babel/runtime point for `import`?',
    needles: [
      '"./helpers/objectWithoutPropertiesLoose": [',
      '"import": "./helpers/esm/objectWithoutPropertiesLoose.js",',
    ],
  },
  {
    name: 'claude-read-package-lock-partial',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: '/work/main/package-lock.json' },
    cwd: 'monorepo',
    question: 'Which version of @esbuild/linux-x64 does package-lock.json pin, and with what integrity hash?',
    needles: [
      '[Truncated: PARTIAL view',
      '"node_modules/@esbuild/linux-x64": {',
      'sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ==',
    ],
  },
  {
    name: 'claude-read-test-log',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: `${LOGS}/core-compare.log` },
    cwd: 'monorepo',
    question: 'Read the test log: which test failed, with what assertion, and how many passed?',
    needles: [
      '× test/compare.test.ts > prereleases > orders a release candidate before its release',
      'AssertionError: expected 0 to be less than 0',
      'Tests  1 failed',
    ],
  },
  {
    name: 'claude-read-source-ts',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: '/work/main/node_modules/openai/src/client.ts' },
    cwd: 'monorepo',
    question: 'How does the OpenAI client compute the delay before a retry?',
    needles: ['calculateDefaultRetryTimeoutMillis', 'retry-after-ms'],
  },
  {
    name: 'claude-read-empty-file',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: `${FILES}/empty.log` },
    cwd: 'monorepo',
    question: 'Is there anything in empty.log?',
    needles: ['The file has 1 lines.'],
  },
  {
    name: 'claude-read-one-line-json',
    agent: 'claude',
    shape: 'claude-read',
    tool: 'Read',
    input: { file_path: `${FILES}/lock.min.json` },
    cwd: 'monorepo',
    question: 'Which version of hono does the minified lockfile pin?',
    needles: ['[Truncated: PARTIAL view', '"node_modules/hono":{"version":"4.13.19"'],
  },
  {
    name: 'claude-bash-grep-hono',
    agent: 'claude',
    shape: 'claude-bash',
    tool: 'Bash',
    input: { command: 'grep -rn "c.req" node_modules/hono/dist/cjs', description: 'Find c.req uses in hono' },
    cwd: 'main',
    question: 'Where does the hono cors middleware read the Access-Control-Request-Headers header?',
    needles: [
      'node_modules/hono/dist/cjs/middleware/cors/index.js:89:\t\t\t\tconst requestHeaders = c.req.header("Access-Control-Request-Headers");',
    ],
  },
  {
    name: 'claude-bash-vitest-passing',
    agent: 'claude',
    shape: 'claude-bash',
    tool: 'Bash',
    input: { command: 'npx vitest run --reporter=verbose', description: 'Run the config tests' },
    cwd: 'monorepo/packages/config',
    question: 'Run the config tests; is hono pinned to an exact version?',
    needles: ['pins hono to an exact version (4.13.19)', 'Tests  194 passed (194)'],
  },
  {
    name: 'claude-bash-vitest-failing',
    agent: 'claude',
    shape: 'claude-bash',
    tool: 'Bash',
    input: {
      command: 'npx vitest run --reporter=verbose test/compare.test.ts',
      description: 'Run the compare tests',
    },
    cwd: 'monorepo/packages/core',
    question: 'Run the compare tests and tell me what fails.',
    needles: ['Exit code 1', 'characters truncated'],
  },
  {
    name: 'claude-bash-persisted-preview',
    agent: 'claude',
    shape: 'claude-bash',
    tool: 'Bash',
    input: {
      command: 'grep -rn "throw new" node_modules/openai/src node_modules/hono/dist/cjs',
      description: 'Find thrown errors',
    },
    cwd: 'main',
    question: 'Which errors do the openai client and hono throw?',
    needles: ['<persisted-output>'],
  },
  {
    name: 'codex-npm-test-failing',
    agent: 'codex',
    shape: 'codex-exec',
    tool: 'exec_command',
    input: { cmd: 'npm test', ...EXEC },
    cwd: 'monorepo',
    question: 'Run the tests and tell me which one fails and why.',
    needles: [
      'Process exited with code 1',
      ' FAIL  test/compare.test.ts > prereleases > orders a release candidate before its release',
      'AssertionError: expected 0 to be less than 0',
      ' ❯ test/compare.test.ts:18:44',
      "     18|     expect(compare('2.0.0-rc.1', '2.0.0')).toBeLessThan(0);",
      'Tests  1 failed | 1358 passed (1359)',
    ],
    saveRequests: true,
  },
  {
    name: 'codex-tsc-build',
    agent: 'codex',
    shape: 'codex-exec',
    tool: 'exec_command',
    input: { cmd: 'npx tsc --noEmit -p .', ...EXEC },
    cwd: 'tsc-project',
    question:
      'Type-check the project; what is wrong with firstItemId, closeStream and DEFAULT_UPLOAD_PURPOSE?',
    needles: [
      'Process exited with code 2',
      "src/core/pagination.ts(334,3): error TS2322: Type 'string | undefined' is not assignable to type 'number'.",
      "src/core/streaming.ts(380,10): error TS2339: Property 'abort' does not exist on type 'Stream<unknown>'.",
      "src/resources/files.ts(277,14): error TS2820: Type '\"fine-tuning\"' is not assignable to type 'FilePurpose'. Did you mean '\"fine-tune\"'?",
    ],
  },
  {
    name: 'codex-npm-query-json',
    agent: 'codex',
    shape: 'codex-exec',
    tool: 'exec_command',
    input: { cmd: "npm query '.prod'", ...EXEC },
    cwd: 'main',
    question: 'List the production dependencies; which version of execa is installed and under what license?',
    needles: [
      'Process exited with code 0',
      '"name": "execa",',
      '"description": "Process execution for humans",',
    ],
  },
  {
    name: 'codex-npm-ls-json',
    agent: 'codex',
    shape: 'codex-exec',
    tool: 'exec_command',
    input: { cmd: 'npm ls --all --json', ...EXEC },
    cwd: 'main',
    question: 'Which version of string-width does ora pull in, and what does string-width depend on?',
    needles: [
      'Process exited with code 0',
      '"string-width": {',
      '"version": "8.3.0",',
      '"get-east-asian-width": {',
    ],
  },
  {
    name: 'codex-grep-hono',
    agent: 'codex',
    shape: 'codex-exec',
    tool: 'exec_command',
    input: { cmd: 'grep -rn "function" node_modules/hono/dist', ...EXEC },
    cwd: 'main',
    question: 'Find where the hono client defines deepMerge.',
    needles: [
      'Process exited with code 0',
      'node_modules/hono/dist/client/utils.js:41:function deepMerge(target, source) {',
    ],
  },
];

export function caseOf(recipe: CaptureRecipe, file: string, codexAloneFile?: string): AgentCase {
  return {
    name: recipe.name,
    agent: recipe.agent,
    file,
    ...(codexAloneFile === undefined ? {} : { codexAloneFile }),
    shape: recipe.shape,
    question: recipe.question,
    call: { name: recipe.tool, input: recipe.input },
    needles: recipe.needles,
  };
}
