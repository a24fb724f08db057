/**
 * What the registry's classes need of a database: the part of better-sqlite3's interface they use, so
 * the embedded file's handle is one as it is, and PostgresDatabase is the other. Statements take `?`
 * placeholders (or `@name` with one object of values); the SQL is written to mean the same on both
 * engines (no INSERT OR …, no scalar MIN/MAX, camelCase aliases quoted, untyped `? IS NULL` cast).
 */
export interface SqlStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
  /** Rows become their first column's value. */
  pluck(): SqlStatement;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  /**
   * Wraps `work` so that calling the result runs it as one transaction: all of its writes or none. Nested,
   * it runs as a savepoint. `work` is synchronous: a transaction never spans an `await`.
   */
  transaction<Work extends (...args: never[]) => unknown>(work: Work): (...args: Parameters<Work>) => ReturnType<Work>;
  exec(sql: string): unknown;
  close(): unknown;
}
