import { defineConfig } from 'vitest/config';

/** Tests that start the built CLI or the real agents: seconds each, so kept out of the everyday run. */
const E2E = [
  'test/e2e/**/*.test.ts',
  'test/cli/commands/wrap.test.ts',
  'test/cli/commands/proxy.test.ts',
  'test/cli/commands/dashboard.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/helpers/state-home.ts'],
    projects: [
      // `npm run test:unit`: the everyday run, in-process only.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: E2E } },
      // `npm run test:e2e`: real processes on loopback; `npm test` (and CI) runs both projects.
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
