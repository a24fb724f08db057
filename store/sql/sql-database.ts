/**
 * What the registry's classes need of a database: the part of better-sqlite3's interface they use, so
 * the embedded file's handle is one as it is, and PostgresDatabase is the other. Statements take `?`
 * placeholders (or `@name` with one object of values); the SQL is written to mean the same on both
 * engines (no INSERT OR …, no scalar MIN/MAX, camelCase aliases quoted, untyped `? IS NULL` cast).
 */
/**
 * Text as both engines can store it: PostgreSQL's text cannot hold NUL, written instead as the escape
 * JSON would show (`\u0000`), on SQLite alike.
 */
export function escapeNul<Value>(value: Value): Value {
  return (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\\u0000') : value) as Value;
}

export interface SqlStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
  /** Rows become their first column's value. */
  pluck(): SqlStatement;
}

/** The arguments of a function, spelled as better-sqlite3 spells them (so that the two types match). */
export type ArgumentsOf<Work> = Work extends (...args: infer Args) => unknown ? Args : never;

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  /**
   * Wraps `work` so that calling the result runs it as one transaction: all of its writes or none. Nested,
   * it runs as a savepoint. `work` is synchronous: a transaction never spans an `await`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: better-sqlite3's own signature, so its handle is one as it is
  transaction<Work extends (...args: any[]) => unknown>(work: Work): (...args: ArgumentsOf<Work>) => ReturnType<Work>;
  exec(sql: string): unknown;
  close(): unknown;
  /** False while a server found unreachable is left alone for a moment (PostgreSQL); absent for SQLite. */
  readonly available?: boolean;
}
