// Test runner settings. GPU tests use Dawn's native addon, which is safest in child processes
// (forks) rather than worker threads; two workers match this 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
