import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Examples import the package by name, as users do.
  resolve: { alias: { enetsim: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // The libenet oracle runs as a child process per test file; keep the pool small on 2 cores.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
