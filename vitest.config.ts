import { defineConfig } from 'vitest/config';

/**
 * Tests whose real network must keep its timing (a fault injected between live processes,
 * a lock awaited within a few rounds, a node's pace measured under a hostile peer): they run after the rest, one file at a time, with the
 * machine to themselves. Every other file runs two at a time (the machine has 2 cores; files
 * that start nodes mostly wait on block times).
 */
const ALONE = [
  'test/hostile/byzantine-split-vote-node.test.ts',
  'test/hostile/peer-messages.test.ts',
  'test/network/chaos.test.ts',
  'test/network/byzantine-chaos.test.ts',
  // Testnets of real processes that also load Helia or run webhook endpoints: beside the dashboard's
  // Chromium or the RPC's timing properties they pushed both past their limits.
  'test/network/webhooks-testnet.test.ts',
  'test/network/files-testnet.test.ts',
];

const shared = {
  pool: 'forks' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Every run writes a JSON report next to the console output; .ci/run counts tests from it.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/report.json' },
    projects: [
      { test: { ...shared, name: 'shared-machine', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
