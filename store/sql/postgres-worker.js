// The PostgreSQL side of PostgresDatabase (postgres-database.ts): a worker thread that owns one
// connection and answers one statement at a time. The calling thread waits on a shared flag, so the
// registry's synchronous interface (the one better-sqlite3 gives the embedded file) holds on PostgreSQL
// too. Plain JavaScript: a worker thread is started by Node itself, without the TypeScript loader.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

const { url, flag, port, statementTimeoutMs, connectTimeoutMs } = workerData;

// Times in ms and counts are BIGINT; they fit a JavaScript number, which is what SQLite hands back too.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** @type {pg.Client | null} */
let client = null;
/**
 * The connection an open transaction runs on. A statement of that transaction never runs on another: the
 * server rolled the transaction back when its connection went, and the rest of it must fail, not commit
 * piecemeal on a new connection.
 * @type {pg.Client | null}
 */
let transactionClient = null;

async function connected() {
  if (client) return client;
  const fresh = new pg.Client({
    connectionString: url,
    statement_timeout: statementTimeoutMs,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'sport-connect',
  });
  // A connection lost between statements: the next statement connects again (an open transaction is lost,
  // and its next statement fails, as it must).
  fresh.on('error', () => {
    if (client === fresh) client = null;
  });
  await fresh.connect();
  client = fresh;
  return fresh;
}

/**
 * Whether an error means the server was not reached or the connection went, rather than a statement
 * refused: a system error (ECONNREFUSED, ENOTFOUND…), none at all (a timeout), SQLSTATE class 08
 * (connection exception) or 57P01–57P03 (the server shutting down, or not accepting connections yet).
 * @param {string | undefined} code
 */
function isConnectionFailure(code) {
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code);
}

/** @type {Map<string, string>} */
const statementNames = new Map();

/**
 * A name per statement text: PostgreSQL parses and plans a named statement once per connection, and the
 * registry runs a few dozen statements over and over.
 */
function statementName(sql) {
  let name = statementNames.get(sql);
  if (!name) {
    name = `sc_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

function answer(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on('message', async (request) => {
  if (request.op === 'close') {
    const closing = client;
    client = null;
    await closing?.end().catch(() => {});
    answer({ ok: true, rows: [], rowCount: 0 });
    port.close();
    return;
  }
  // tx: 'begin' | 'within' (a statement, savepoint or release inside) | 'commit' | 'rollback' | undefined.
  const { tx } = request;
  if (tx === 'within' || tx === 'commit' || tx === 'rollback') {
    if (!transactionClient || transactionClient !== client) {
      transactionClient = null;
      if (tx === 'rollback') return answer({ ok: true, rows: [], rowCount: 0 }); // rolled back when the connection went
      return answer({
        ok: false,
        error: {
          message: 'the connection to PostgreSQL was lost during a transaction: it was rolled back',
          code: null,
          detail: null,
          unreachable: true,
        },
      });
    }
  }
  try {
    const connection = tx === 'within' || tx === 'commit' || tx === 'rollback' ? transactionClient : await connected();
    if (tx === 'commit' || tx === 'rollback') transactionClient = null;
    const result = await connection.query({
      name: request.params.length > 0 ? statementName(request.sql) : undefined,
      text: request.sql,
      values: request.params,
      rowMode: request.rowMode,
    });
    if (tx === 'begin') transactionClient = connection;
    // A multi-statement script answers with one result per statement; only the count of rows matters then.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    answer({ ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
  } catch (error) {
    const failure = /** @type {{ message?: string, code?: string, detail?: string }} */ (error);
    const unreachable = isConnectionFailure(failure.code);
    // The client is unusable after such a failure: the next statement connects afresh.
    if (unreachable && client) {
      const broken = client;
      client = null;
      broken.end().catch(() => {});
    }
    answer({
      ok: false,
      error: { message: failure.message ?? String(error), code: failure.code ?? null, detail: failure.detail ?? null, unreachable },
    });
  }
});
