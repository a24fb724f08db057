import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresDatabase } from '../../store/sql/postgres-database.ts';
import { migratePostgres } from '../../store/sql/postgres-schema.ts';
import { hasPostgres, type RunningPostgres, startPostgres } from '../helpers/postgres.ts';
import { describeRegistryContract } from './registry-contract.ts';

describe.skipIf(!hasPostgres())('PostgreSQL', () => {
  let server: RunningPostgres;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.dispose());

  describeRegistryContract('PostgreSQL', () => ({
    async open() {
      const url = await server.createDatabase(`registry_${++databases}`);
      const handles = [new PostgresDatabase(url)];
      migratePostgres(handles[0]!);
      return {
        db: handles[0]!,
        second() {
          const handle = new PostgresDatabase(url);
          handles.push(handle);
          return handle;
        },
        dispose() {
          for (const handle of handles) handle.close();
        },
      };
    },
  }));
});
