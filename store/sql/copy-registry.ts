import type { SqliteDatabase } from '../database.ts';
import type { PostgresDatabase } from './postgres-database.ts';
import { escapeNul } from './sql-database.ts';

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

/** Tables of the PostgreSQL schema that are not the registry's data (its version, its change counters). */
const BOOKKEEPING: ReadonlySet<string> = new Set(['schema_version', 'change_counters']);

/** Their ids come from an identity column on PostgreSQL: copied as they are, the identity moved past them. */
const IDENTITY_IDS: ReadonlySet<string> = new Set(['audit_log', 'dead_letters']);

/** Rows a statement inserts at once: a round trip each, and within PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 500;

export class RegistryCopyError extends Error {}

/**
 * A club's registry from its SQLite file into an empty PostgreSQL registry (migrated): read as one
 * snapshot, written in one transaction, all of it or nothing. Refused when PostgreSQL's registry holds
 * anything already, or when the two schemas do not have the same tables and columns (one side newer).
 * Text holding NUL (which PostgreSQL cannot store; the API refuses it since, older rows may hold it) is
 * written with NUL escaped as `\u0000`. Returns the rows copied per table.
 */
export function copyRegistry(
  from: SqliteDatabase,
  to: PostgresDatabase,
  onProgress: (progress: { table: string; done: number; total: number }) => void = () => {},
): Record<string, number> {
  return from.transaction(() => {
    const copied: Record<string, number> = {};
    const total = REGISTRY_TABLES.reduce((sum, table) => sum + (from.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number), 0);
    let done = 0;
    to.transaction(() => {
      checkSameTables(to);
      const occupied = REGISTRY_TABLES.filter((table) => to.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined);
      if (occupied.length > 0)
        throw new RegistryCopyError(`PostgreSQL's registry is not empty (${occupied.join(', ')}): copy into a new database`);
      for (const table of REGISTRY_TABLES) {
        const columns = sameColumns(from, to, table);
        const overriding = IDENTITY_IDS.has(table) ? ' OVERRIDING SYSTEM VALUE' : '';
        const rows = from.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY 1, 2`).raw();
        copied[table] = 0;
        let batch: unknown[][] = [];
        const flush = () => {
          if (batch.length === 0) return;
          const tuple = `(${columns.map(() => '?').join(', ')})`;
          to.prepare(`INSERT INTO ${table} (${columns.join(', ')})${overriding} VALUES ${batch.map(() => tuple).join(', ')}`).run(
            ...batch.flat(),
          );
          done += batch.length;
          copied[table]! += batch.length;
          batch = [];
          onProgress({ table, done, total });
        };
        for (const row of rows.iterate() as Iterable<unknown[]>) {
          batch.push(row.map(escapeNul));
          if (batch.length === ROWS_PER_INSERT) flush();
        }
        flush();
        if (overriding)
          to.prepare(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM ${table}`).get();
      }
    })();
    return copied;
  })();
}

/** Empties the registry's tables of the SQLite file, once they are in PostgreSQL: personal data left there would escape erasures. */
export function emptyRegistry(db: SqliteDatabase): void {
  db.transaction(() => {
    for (const table of [...REGISTRY_TABLES].reverse()) db.prepare(`DELETE FROM ${table}`).run();
  })();
}

/** PostgreSQL's registry tables are the ones this copy knows: a table added on one side is not left behind. */
function checkSameTables(to: PostgresDatabase): void {
  const tables = (
    to
      .prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
      .pluck()
      .all() as string[]
  ).filter((table) => !BOOKKEEPING.has(table));
  const known = new Set<string>(REGISTRY_TABLES);
  const unknown = tables.filter((table) => !known.has(table));
  const missing = REGISTRY_TABLES.filter((table) => !tables.includes(table));
  if (unknown.length > 0 || missing.length > 0)
    throw new RegistryCopyError(
      `PostgreSQL's tables are not the registry this copy knows (${[...unknown, ...missing].join(', ')}): use the same Sport Connect on both`,
    );
}

/** The table's columns, the same on both sides: a column on one side only would be lost or left empty. */
function sameColumns(from: SqliteDatabase, to: PostgresDatabase, table: string): string[] {
  const inSqlite = from.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
  const inPostgres = to
    .prepare(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
    )
    .pluck()
    .all(table) as string[];
  const differ = [
    ...inSqlite.filter((column) => !inPostgres.includes(column)),
    ...inPostgres.filter((column) => !inSqlite.includes(column)),
  ];
  if (differ.length > 0)
    throw new RegistryCopyError(`${table} has columns on one side only (${differ.join(', ')}): use the same Sport Connect on both`);
  return inPostgres;
}
