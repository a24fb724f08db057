import { existsSync, readdirSync } from 'node:fs';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Every API suite once more with the registry on PostgreSQL (test/helpers/test-stores.ts), when the
 * server is installed; under CI=true it must be.
 */
function apiOnPostgres(): TestProjectInlineConfiguration[] {
  const installed =
    existsSync('/usr/lib/postgresql') &&
    readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/postgres`));
  if (!installed) {
    const message = 'PostgreSQL is not installed: apt-get install postgresql (the API suites then run on it too)';
    if (process.env.CI === 'true') throw new Error(`${message} (CI must install it; see .ci/run)`);
    console.warn(`skipping the API suites on PostgreSQL: ${message}`);
    return [];
  }
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
