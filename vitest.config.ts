import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every run writes a JSON report next to the console output; .ci/run counts tests from it.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/report.json' },
  },
});
