import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The libenet oracle runs as a child process per test file; keep the pool small on 2 cores.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
