import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ArgumentsOf, SqlDatabase, SqlStatement } from './sql-database.ts';

/** A statement PostgreSQL refused, with its SQLSTATE (23505: a unique key taken, …). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly detail: string | null,
    /** The server was not reached or the connection went (refused, unknown host, timed out, shut down). */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

export interface PostgresOptions {
  /** The server's limit on one statement (its `statement_timeout`). */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

type Answer =
  | { ok: true; rows: unknown[]; rowCount: number }
  | { ok: false; error: { message: string; code: string | null; detail: string | null; unreachable: boolean } };

/** Where a statement stands to a transaction: the worker runs a transaction's statements on its connection only. */
type Transactional = 'begin' | 'within' | 'commit' | 'rollback';

/** Every registry transaction holds this advisory lock: writers take turns across processes, as on SQLite. */
const REGISTRY_LOCK = 0x5c_7e_61_57;

/**
 * The registry on PostgreSQL behind the same synchronous interface as the embedded file. A worker thread
 * owns the connection and the calling thread waits for each answer, as it waits for SQLite's disk: one
 * statement at a time per process, a transaction never interleaved with another request's statements.
 * A round trip costs a fraction of a millisecond on a nearby server; a server that does not answer costs
 * at most the statement timeout, after which the call fails and the next one starts a fresh connection.
 */
export class PostgresDatabase implements SqlDatabase {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly translated = new Map<string, { text: string; names: string[] | null }>();
  private depth = 0;
  private readonly statementTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly url: string,
    options: PostgresOptions = {},
  ) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  }

  prepare(sql: string): SqlStatement {
    return this.statement(sql, false);
  }

  // biome-ignore lint/suspicious/noExplicitAny: as SqlDatabase says
  transaction<Work extends (...args: any[]) => unknown>(work: Work): (...args: ArgumentsOf<Work>) => ReturnType<Work> {
    return (...args) => {
      const savepoint = `sc_savepoint_${this.depth}`;
      if (this.depth === 0) {
        this.query('BEGIN', [], undefined, 'begin');
        this.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK], undefined, 'within');
      } else this.query(`SAVEPOINT ${savepoint}`, [], undefined, 'within');
      this.depth++;
      try {
        const result = work(...args) as ReturnType<Work>;
        if (result instanceof Promise) throw new TypeError('a transaction cannot span an await');
        this.depth--;
        if (this.depth === 0) this.query('COMMIT', [], undefined, 'commit');
        else this.query(`RELEASE SAVEPOINT ${savepoint}`, [], undefined, 'within');
        return result;
      } catch (error) {
        if (this.depth > 0) this.depth--;
        this.rollBack(savepoint);
        throw error;
      }
    };
  }

  exec(sql: string): this {
    this.query(sql, [], undefined, this.within());
    return this;
  }

  /** Inside a transaction, a statement must run on its connection or not at all. */
  private within(): Transactional | undefined {
    return this.depth > 0 ? 'within' : undefined;
  }

  close(): void {
    if (!this.worker) return;
    try {
      this.call({ op: 'close' });
    } finally {
      void this.worker.terminate();
      this.worker = null;
      this.port = null;
    }
  }

  private rollBack(savepoint: string): void {
    try {
      if (this.depth === 0) this.query('ROLLBACK', [], undefined, 'rollback');
      else this.query(`ROLLBACK TO SAVEPOINT ${savepoint}`, [], undefined, 'within');
    } catch {
      // The connection itself failed: the server rolled the transaction back when it went.
    }
  }

  private statement(sql: string, pluck: boolean): SqlStatement {
    const { text, names } = this.translate(sql);
    const values = (params: unknown[]): unknown[] => {
      if (!names) return params;
      const named = (params[0] ?? {}) as Record<string, unknown>;
      return names.map((name) => named[name]);
    };
    const rowsOf = (params: unknown[]) => this.query(text, values(params), pluck ? 'array' : undefined, this.within()).rows;
    const shape = (row: unknown) => {
      if (row === undefined) return row;
      withBuffers(row as Record<string, unknown>);
      return pluck ? (row as unknown[])[0] : row;
    };
    return {
      get: (...params) => shape(rowsOf(params)[0]),
      all: (...params) => rowsOf(params).map(shape),
      run: (...params) => ({ changes: this.query(text, values(params), undefined, this.within()).rowCount }),
      pluck: () => this.statement(sql, true),
    };
  }

  /** `?` and `@name` placeholders become `$1`, `$2`…, outside quoted strings and names. */
  private translate(sql: string): { text: string; names: string[] | null } {
    let known = this.translated.get(sql);
    if (known) return known;
    const names: string[] = [];
    let positional = 0;
    const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|@([A-Za-z_]\w*)/g, (token, name: string | undefined) => {
      if (token === '?') return `$${++positional}`;
      if (name === undefined) return token;
      const index = names.indexOf(name);
      if (index >= 0) return `$${index + 1}`;
      names.push(name);
      return `$${names.length}`;
    });
    if (positional > 0 && names.length > 0) throw new Error('a statement takes ? or @name placeholders, not both');
    known = { text, names: names.length > 0 ? names : null };
    this.translated.set(sql, known);
    return known;
  }

  private query(sql: string, params: unknown[], rowMode?: 'array', tx?: Transactional): { rows: unknown[]; rowCount: number } {
    const answer = this.call({ op: 'query', sql, params, rowMode, tx });
    if (!answer.ok) throw new PostgresError(answer.error.message, answer.error.code, answer.error.detail, answer.error.unreachable);
    return answer;
  }

  private call(request: {
    op: 'query' | 'close';
    sql?: string;
    params?: unknown[];
    rowMode?: 'array' | undefined;
    tx?: Transactional;
  }): Answer {
    const port = this.connection();
    Atomics.store(this.flag, 0, 0);
    port.postMessage(request);
    // Beyond the server's own statement timeout, the worker or the connection is stuck: start afresh.
    const waited = Atomics.wait(this.flag, 0, 0, this.statementTimeoutMs + this.connectTimeoutMs + 5_000);
    const received = receiveMessageOnPort(port);
    if (waited === 'timed-out' || !received) {
      void this.worker?.terminate();
      this.worker = null;
      this.port = null;
      this.depth = 0;
      throw new PostgresError('PostgreSQL did not answer in time', null, null, true);
    }
    return received.message as Answer;
  }

  private connection(): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(new URL('./postgres-worker.js', import.meta.url), {
      workerData: {
        url: this.url,
        flag: this.flag,
        port: port2,
        statementTimeoutMs: this.statementTimeoutMs,
        connectTimeoutMs: this.connectTimeoutMs,
      },
      transferList: [port2],
    });
    // The registry is closed with the process's stores; a forgotten one must not keep the process alive.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }
}

/** BYTEA values cross from the worker as Uint8Array (structured clone); the callers expect Buffers, as from SQLite. */
function withBuffers(row: Record<string, unknown> | unknown[]): void {
  for (const [key, value] of Object.entries(row))
    if (value instanceof Uint8Array && !Buffer.isBuffer(value))
      (row as Record<string, unknown>)[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
