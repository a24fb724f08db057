import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { hasPostgres } from './test/helpers/postgres.ts';

/**
 * Every API suite once more with the registry on PostgreSQL (test/helpers/test-stores.ts), when the
 * server is installed; under CI=true it must be.
 */
function apiOnPostgres(): TestProjectInlineConfiguration[] {
  // Not installed: the project is left out, with a message (under CI=true it throws: CI must install it).
  if (!hasPostgres()) return [];
  return [
    {
      extends: true,
      test: {
        name: 'api on PostgreSQL',
        include: ['test/api/**/*.test.ts'],
        globalSetup: ['test/helpers/postgres-global-setup.ts'],
        env: { SC_TEST_REGISTRY: 'postgres' },
      },
    },
  ];
}

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Integration and browser suites start real services; give them room on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [{ extends: true, test: { name: 'sport-connect', include: ['test/**/*.test.ts'] } }, ...apiOnPostgres()],
  },
});
