import { defineConfig } from 'vitest/config';

/**
 * Four tiers, run in this order by `.ci/test`: pure unit tests, integration tests against the
 * real server on 127.0.0.1, the adversarial suite (attacks, property and fuzz runs against the
 * real server), and end-to-end tests in real Chromium. Network tiers run their
 * files one at a time so port use and timing stay predictable on a 2-core machine. The
 * integration tier gets a throwaway PostgreSQL cluster (test/support/pg-global-setup.ts).
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/pg-global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          fileParallelism: false,
        },
      },
      {
        // Attacks through the real server and raw sockets, plus seeded property and fuzz runs.
        test: {
          name: 'adversarial',
          include: ['test/adversarial/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 20_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
