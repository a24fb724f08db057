import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import type { StoreConfig } from '../../store/store-config.ts';
import { testLogger } from './silent-logger.ts';

/**
 * The stores an API test runs on: the in-memory file; or, in the "api on PostgreSQL" project (see
 * vitest.config.ts), the registry on a new database of the PostgreSQL that project started, so every API
 * suite also runs on the registry's other engine.
 */
export async function openTestStores(options: { dataDir?: string; store?: Partial<StoreConfig> } = {}): Promise<Stores> {
  const config: StoreConfig = { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', ...options.store };
  if (process.env.SC_TEST_REGISTRY === 'postgres') config.DATABASE_URL = await newDatabase(inject('postgresAdminUrl'));
  return openStores(options.dataDir ?? ':memory:', config, testLogger);
}

async function newDatabase(adminUrl: string): Promise<string> {
  const name = `test_${randomUUID().replaceAll('-', '')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}
