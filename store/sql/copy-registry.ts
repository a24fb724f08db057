import type { SqliteDatabase } from '../database.ts';
import type { PostgresDatabase } from './postgres-database.ts';

/** The registry's tables, parents before the tables that refer to them. */
export const REGISTRY_TABLES = [
  'clubs',
  'users',
  'athletes',
  'devices',
  'pairings',
  'athlete_groups',
  'group_members',
  'sessions',
  'session_participants',
  'training_log',
  'uploads',
  'readiness_checks',
  'challenges',
  'challenge_entries',
  'erasure_requests',
  'erased_intervals',
  'memberships',
  'login_sessions',
  'invitations',
  'mqtt_accounts',
  'audit_log',
  'dead_letters',
] as const;

/** Their ids are PostgreSQL's to give (in the same order); everything else is copied as it is. */
const GENERATED_IDS: ReadonlySet<string> = new Set(['audit_log', 'dead_letters']);

/** Rows a statement inserts at once: a round trip each, and within PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 500;

export class RegistryCopyError extends Error {}

/**
 * A club's registry from its SQLite file into an empty PostgreSQL registry (migrated), in one
 * transaction: all of it or nothing. Refused when PostgreSQL's registry holds anything already. Text
 * holding NUL (which PostgreSQL cannot store; the API refuses it since, older rows may hold it) is
 * written with NUL escaped as `\u0000`. Returns the rows copied per table.
 */
export function copyRegistry(
  from: SqliteDatabase,
  to: PostgresDatabase,
  onProgress: (progress: { table: string; done: number; total: number }) => void = () => {},
): Record<string, number> {
  const counts = Object.fromEntries(
    REGISTRY_TABLES.map((table) => [table, from.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number]),
  );
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  let done = 0;
  to.transaction(() => {
    const occupied = REGISTRY_TABLES.filter((table) => to.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined);
    if (occupied.length > 0)
      throw new RegistryCopyError(`PostgreSQL's registry is not empty (${occupied.join(', ')}): copy into a new database`);
    for (const table of REGISTRY_TABLES) {
      const columns = sharedColumns(from, to, table);
      const rows = from.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${GENERATED_IDS.has(table) ? 'id' : '1, 2'}`).raw();
      let batch: unknown[][] = [];
      const flush = () => {
        if (batch.length === 0) return;
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        to.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => tuple).join(', ')}`).run(...batch.flat());
        done += batch.length;
        batch = [];
        onProgress({ table, done, total });
      };
      for (const row of rows.iterate() as Iterable<unknown[]>) {
        batch.push(row.map(storable));
        if (batch.length === ROWS_PER_INSERT) flush();
      }
      flush();
    }
  })();
  return counts;
}

/** The columns a table has on both sides (PostgreSQL's generated ids left to it). */
function sharedColumns(from: SqliteDatabase, to: PostgresDatabase, table: string): string[] {
  const inSqlite = new Set((from.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).map(String));
  const inPostgres = to
    .prepare(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
    )
    .pluck()
    .all(table) as string[];
  return inPostgres.filter((column) => inSqlite.has(column) && !(GENERATED_IDS.has(table) && column === 'id'));
}

function storable(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\\u0000') : value;
}
