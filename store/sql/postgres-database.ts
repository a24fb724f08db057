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
  /** The server's limit on one statement (its `statement_timeout`); a lock is waited for at most half of it. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * After the server was found unreachable, calls fail at once for this long instead of each waiting to
   * connect (doubling while it stays unreachable, up to 30 s).
   */
  retryAfterMs?: number;
}

type Answer =
  | { id: number; ok: true; rows: unknown[]; rowCount: number }
  | { id: number; ok: false; error: { message: string; code: string | null; detail: string | null; unreachable: boolean } };

/** Where a statement stands to a transaction: the worker runs a transaction's statements on its connection only. */
type Transactional = 'begin' | 'within' | 'commit' | 'rollback';

/** Something to wait a millisecond on. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Every registry transaction holds this advisory lock: writers take turns across processes, as on SQLite. */
const REGISTRY_LOCK = 0x5c_7e_61_57;

/** The worker thread of one connection, and the flag it raises when an answer is ready. */
interface Bridge {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

/**
 * The registry on PostgreSQL behind the same synchronous interface as the embedded file. A worker thread
 * owns the connection and the calling thread waits for each answer, as it waits for SQLite's disk: one
 * statement at a time per process, a transaction never interleaved with another request's statements.
 * A round trip costs a fraction of a millisecond on a nearby server. A server that does not answer costs
 * the call that finds out (at most the connect or statement timeout); for `retryAfterMs` after that, calls
 * fail at once, so the process keeps answering (503s, its health) rather than waiting on each.
 */
export class PostgresDatabase implements SqlDatabase {
  private bridge: Bridge | null = null;
  private readonly translated = new Map<string, { text: string; names: string[] | null }>();
  private depth = 0;
  private nextId = 0;
  /** Closed, it answers nothing more (as better-sqlite3 does), rather than connect again. */
  private closed = false;
  private unreachableUntilMs = 0;
  /** Unreachable findings in a row: the pause before the next try doubles with each, up to 30 s. */
  private unreachableInARow = 0;
  /** Why it was found unreachable last, for the errors of the calls that fail at once meanwhile. */
  private lastUnreachable = '';
  private readonly statementTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly retryAfterMs: number;

  constructor(
    private readonly url: string,
    options: PostgresOptions = {},
  ) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.retryAfterMs = options.retryAfterMs ?? 2_000;
  }

  /** False while calls fail at once after the server was found unreachable (readiness, without waiting). */
  get available(): boolean {
    return Date.now() >= this.unreachableUntilMs;
  }

  prepare(sql: string): SqlStatement {
    return this.statement(sql, false);
  }

  // biome-ignore lint/suspicious/noExplicitAny: as SqlDatabase says
  transaction<Work extends (...args: any[]) => unknown>(work: Work): (...args: ArgumentsOf<Work>) => ReturnType<Work> {
    return (...args) => {
      const entered = this.depth;
      const savepoint = `sc_savepoint_${entered}`;
      try {
        if (entered === 0) {
          this.query('BEGIN', [], undefined, 'begin');
          this.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK], undefined, 'within');
        } else this.query(`SAVEPOINT ${savepoint}`, [], undefined, 'within');
        this.depth = entered + 1;
        const result = work(...args) as ReturnType<Work>;
        if (result instanceof Promise) throw new TypeError('a transaction cannot span an await');
        if (entered === 0) this.query('COMMIT', [], undefined, 'commit');
        else this.query(`RELEASE SAVEPOINT ${savepoint}`, [], undefined, 'within');
        return result;
      } catch (error) {
        this.rollBack(entered, savepoint);
        throw error;
      } finally {
        this.depth = entered;
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
    this.closed = true;
    const bridge = this.bridge;
    if (!bridge) return;
    try {
      this.call({ op: 'close' });
    } catch {
      // Closing a connection that went: nothing to end.
    } finally {
      this.drop(bridge);
    }
  }

  /** Undoes what the transaction entered at `entered` did (all of it at the outermost level). */
  private rollBack(entered: number, savepoint: string): void {
    try {
      if (entered === 0) this.query('ROLLBACK', [], undefined, 'rollback');
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
    const shape = (row: unknown) => (pluck && row !== undefined ? (row as unknown[])[0] : row);
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
    if (!answer.ok) {
      // Found by a call that tried to connect; a transaction's statements after its connection went say
      // nothing new about the server.
      if (answer.error.unreachable && (tx === undefined || tx === 'begin')) this.foundUnreachable(answer.error.message);
      throw new PostgresError(answer.error.message, answer.error.code, answer.error.detail, answer.error.unreachable);
    }
    this.unreachableInARow = 0;
    return answer;
  }

  private foundUnreachable(why: string): void {
    this.lastUnreachable = why;
    const pauseMs = Math.min(30_000, this.retryAfterMs * 2 ** Math.min(this.unreachableInARow, 10));
    this.unreachableInARow++;
    this.unreachableUntilMs = Date.now() + pauseMs;
  }

  private call(request: {
    op: 'query' | 'close';
    sql?: string;
    params?: unknown[];
    rowMode?: 'array' | undefined;
    tx?: Transactional;
  }): Answer {
    // Found unreachable a moment ago: fail at once (a transaction's own statements and its end still go to
    // the worker, which knows whether their connection is alive).
    if (this.closed && request.op === 'query') throw new TypeError('the registry database is closed');
    if (request.op === 'query' && !this.available && (request.tx === undefined || request.tx === 'begin'))
      throw new PostgresError(`PostgreSQL is unreachable (retrying shortly): ${this.lastUnreachable}`, null, null, true);
    const bridge = this.connection();
    // Ids stay within the flag's 32 bits (a wrap is harmless: only the latest request is ever waited for).
    this.nextId = (this.nextId % 0x7fff_ffff) + 1;
    const id = this.nextId;
    bridge.port.postMessage({ ...request, id });
    const answer = this.answerTo(bridge, id);
    if (!answer) {
      // Beyond the server's own timeouts, the worker or the connection is stuck: its connection, and any
      // transaction on it, goes with it, and the next call starts afresh.
      this.drop(bridge);
      this.foundUnreachable('it did not answer in time');
      throw new PostgresError('PostgreSQL did not answer in time', null, null, true);
    }
    return answer;
  }

  /**
   * Waits for the answer to request `id`: the worker posts it, then sets the flag to `id`. An answer to an
   * earlier request (there should be none) is passed over rather than taken for this one's; the flag at
   * `id` with nothing to read yet is looked at again a millisecond later, until the deadline (the worst
   * case: connecting, then a statement run twice, each up to its timeout).
   */
  private answerTo(bridge: Bridge, id: number): Answer | null {
    const deadline = Date.now() + 2 * this.statementTimeoutMs + this.connectTimeoutMs + 5_000;
    for (;;) {
      const received = receiveMessageOnPort(bridge.port);
      if (received) {
        const answer = received.message as Answer;
        if (answer.id === id) return answer;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const raised = Atomics.load(bridge.flag, 0);
      // Not yet this request's: wait for the flag to move on from what it shows now.
      if (raised !== id) Atomics.wait(bridge.flag, 0, raised, left);
      else Atomics.wait(PAUSE, 0, 0, 1); // raised, and its answer a moment from readable
    }
  }

  private drop(bridge: Bridge): void {
    void bridge.worker.terminate();
    bridge.port.close();
    if (this.bridge === bridge) this.bridge = null;
  }

  private connection(): Bridge {
    if (this.bridge) return this.bridge;
    const { port1, port2 } = new MessageChannel();
    // A flag of its own: a worker being dropped can never wake a call meant for its successor.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./postgres-worker.js', import.meta.url), {
      workerData: {
        url: this.url,
        flag,
        port: port2,
        statementTimeoutMs: this.statementTimeoutMs,
        connectTimeoutMs: this.connectTimeoutMs,
      },
      transferList: [port2],
    });
    // A worker that dies (it should not) is replaced by the next call, after this one's deadline.
    worker.on('error', () => {
      if (this.bridge?.worker === worker) this.bridge = null;
    });
    // The registry is closed with the process's stores; a forgotten one must not keep the process alive.
    worker.unref();
    port1.unref();
    this.bridge = { worker, port: port1, flag };
    return this.bridge;
  }
}

/** The registry cannot answer now: unreachable, or too busy (a lock not granted, a statement cancelled by its timeout). */
export function isRegistryUnavailable(error: unknown): boolean {
  return error instanceof PostgresError && (error.unreachable || error.code === '55P03' || error.code === '57014');
}

/** A unique key taken, on either registry engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof PostgresError ? code === '23505' : code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
