import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { StartupError } from '../../cli/startup-error.ts';
import { Registry } from '../../store/registry.ts';
import { PostgresDatabase, type PostgresOptions } from '../../store/sql/postgres-database.ts';
import { migratePostgres } from '../../store/sql/postgres-schema.ts';
import { hasPostgres, type RunningPostgres, startPostgres } from '../helpers/postgres.ts';
import { testLogger } from '../helpers/silent-logger.ts';
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

describe.skipIf(!hasPostgres())('PostgreSQL under the registry, when things go wrong', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.dispose());
  /** A new database on the server, migrated, with the registry on it and its club. */
  const registryOn = async (name: string, options: PostgresOptions = {}) => {
    const url = await server.createDatabase(name);
    const db = new PostgresDatabase(url, options);
    migratePostgres(db);
    const registry = new Registry(db);
    registry.upsertClub('club', 'Club');
    return { url, db, registry };
  };

  it('fails the rest of a transaction whose connection went, committing none of it, and connects again after', async () => {
    const { url, db, registry } = await registryOn('connection_lost', { retryAfterMs: 300 });
    const killer = new PostgresDatabase(url);
    try {
      expect(() =>
        registry.atomically(() => {
          registry.createAthlete('club', { id: 'ann', name: 'Ann' });
          const pid = db.prepare('SELECT pg_backend_pid()').pluck().get();
          killer.prepare('SELECT pg_terminate_backend(CAST(? AS INTEGER))').get(pid);
          // Long enough for the worker to see its connection go before the next statement.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
          // A plain statement, not a nested transaction: only the fence can stop it committing on a new connection.
          db.prepare('INSERT INTO athletes (club_id, id, name, created_ms) VALUES (?, ?, ?, ?)').run('club', 'bob', 'Bob', 0);
        }),
      ).toThrow(/lost during a transaction|terminat/);
      expect(registry.hasMember('club', 'ann')).toBe(false);
      expect(registry.hasMember('club', 'bob')).toBe(false);
      registry.createAthlete('club', { id: 'cy', name: 'Cy' });
      expect(registry.listAthletes('club').map((athlete) => athlete.id)).toEqual(['cy']);
    } finally {
      db.close();
      killer.close();
    }
  });

  it('fails calls at once for a moment after finding the server unreachable, then connects again', async () => {
    const { db, registry } = await registryOn('server_away', { retryAfterMs: 300 });
    try {
      await server.stop();
      expect(() => registry.hasClub('club')).toThrow(expect.objectContaining({ unreachable: true }));
      // Rather than each call waiting to connect again: the process goes on answering (503s, its health).
      expect(db.available).toBe(false);
      expect(registry.reachable()).toBe(false);
      expect(() => registry.hasClub('club')).toThrow('PostgreSQL is unreachable (retrying shortly)');
      await server.start();
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(registry.reachable()).toBe(true);
      registry.upsertClub('other', 'Other');
      expect(registry.hasClub('other')).toBe(true);
    } finally {
      db.close();
    }
  });

  it('stops a start on a database that does not exist with one line naming DATABASE_URL, the password hidden', async () => {
    const url = new URL(server.adminUrl);
    url.pathname = '/no_such_database';
    url.searchParams.set('password', 's3cret-word');
    const opening = openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: url.toString() }, testLogger);
    await expect(opening).rejects.toThrow(StartupError);
    const message = await opening.catch((error: Error) => error.message);
    expect(message).toMatch(/refused: database "no_such_database" does not exist: check the user, password and database in DATABASE_URL/);
    expect(message).not.toContain('s3cret-word');
  });

  it('says a transaction whose failed statement was caught and passed over was rolled back, not committed', async () => {
    const { db, registry } = await registryOn('aborted');
    try {
      // SQLite would go on and commit the rest; PostgreSQL has aborted the transaction: it must not look committed.
      expect(() =>
        registry.atomically(() => {
          registry.createAthlete('club', { id: 'ann', name: 'Ann' });
          try {
            db.prepare('INSERT INTO clubs (id, name, created_ms) VALUES (?, NULL, 0)').run('other');
          } catch {
            // passed over
          }
        }),
      ).toThrow('the transaction had failed: it was rolled back, not committed');
      expect(registry.hasMember('club', 'ann')).toBe(false);
    } finally {
      db.close();
    }
  });

  it('answers nothing once closed, rather than connecting again', async () => {
    const { db } = await registryOn('closed');
    db.close();
    expect(() => db.prepare('SELECT 1').get()).toThrow('the registry database is closed');
  });

  it('refuses a database whose schema is newer than this Sport Connect', async () => {
    const { db } = await registryOn('newer_schema');
    try {
      db.prepare('UPDATE schema_version SET version = version + 1').run();
      expect(() => migratePostgres(db)).toThrow(/newer than this Sport Connect knows/);
    } finally {
      db.close();
    }
  });
});
