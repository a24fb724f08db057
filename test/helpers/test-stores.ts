import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import type { StoreConfig } from '../../store/store-config.ts';
import { createDatabaseOn } from './postgres.ts';
import { testLogger } from './silent-logger.ts';

/**
 * The stores an API test runs on: the in-memory file; or, in the "api on PostgreSQL" project (see
 * vitest.config.ts), the registry on a new database of the PostgreSQL that project started, so every API
 * suite also runs on the registry's other engine.
 */
export async function openTestStores(options: { dataDir?: string; store?: Partial<StoreConfig> } = {}): Promise<Stores> {
  const config: StoreConfig = { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', ...options.store };
  if (process.env.SC_TEST_REGISTRY === 'postgres')
    config.DATABASE_URL = await createDatabaseOn(inject('postgresAdminUrl'), `test_${randomUUID().replaceAll('-', '')}`);
  return openStores(options.dataDir ?? ':memory:', config, testLogger);
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
