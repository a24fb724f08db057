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
    connectionTimeoutMillis: connectTimeoutMs,
    // A statement whose answer never comes (a partition): the client gives up a little after the server would.
    query_timeout: statementTimeoutMs + 2_000,
    keepAlive: true,
    application_name: 'sport-connect',
  });
  // A connection lost between statements: the next statement connects again (an open transaction is lost,
  // and its next statement fails, as it must).
  fresh.on('error', () => {
    if (client === fresh) client = null;
  });
  try {
    await fresh.connect();
    // Set as statements, not as start-up parameters, so a pooler in between (PgBouncer) accepts them. A lock
    // is waited for at most half a statement's time; a session left idle in a transaction (its process gone
    // without a word) is ended by the server, and the registry's lock with it.
    await fresh.query(
      `SET statement_timeout = ${Number(statementTimeoutMs)}; SET lock_timeout = ${Math.floor(statementTimeoutMs / 2)};` +
        ` SET idle_in_transaction_session_timeout = ${Math.max(60_000, 2 * Number(statementTimeoutMs))}`,
    );
  } catch (error) {
    fresh.end().catch(() => {});
    throw error;
  }
  client = fresh;
  return fresh;
}

/**
 * Whether an error means the server was not reached or the connection went, rather than a statement
 * refused: anything that is not PostgreSQL's own answer (ECONNREFUSED, ENOTFOUND, a timeout, a
 * connection terminated), SQLSTATE class 08 (connection exception) or 57P01–57P03 (the server shutting
 * down, or not accepting connections yet).
 * @param {unknown} error
 */
function isConnectionFailure(error) {
  // A mistake of ours (a value pg cannot send) is not the server's absence.
  if (error instanceof TypeError || error instanceof RangeError) return false;
  if (!(error instanceof pg.DatabaseError)) return true;
  const code = error.code ?? '';
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

/** Posts the answer, then raises the flag to its request's id: the caller waits for that id, not for "some answer". */
function answer(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, message.id);
  Atomics.notify(flag, 0);
}

function forget(broken) {
  if (client === broken) client = null;
  broken.end().catch(() => {});
}

async function run(connection, request) {
  return connection.query({
    name: request.params.length > 0 ? statementName(request.sql) : undefined,
    text: request.sql,
    values: request.params,
    rowMode: request.rowMode,
  });
}

port.on('message', async (request) => {
  const { id, tx } = request;
  if (request.op === 'close') {
    const closing = client;
    client = null;
    await closing?.end().catch(() => {});
    answer({ id, ok: true, rows: [], rowCount: 0 });
    port.close();
    return;
  }
  // tx: 'begin' | 'within' (a statement, savepoint or release inside) | 'commit' | 'rollback' | undefined.
  const ofTransaction = tx === 'within' || tx === 'commit' || tx === 'rollback';
  if (ofTransaction && (!transactionClient || transactionClient !== client)) {
    transactionClient = null;
    if (tx === 'rollback') return answer({ id, ok: true, rows: [], rowCount: 0 }); // rolled back when the connection went
    return answer({
      id,
      ok: false,
      error: {
        message: 'the connection to PostgreSQL was lost during a transaction: it was rolled back',
        code: null,
        detail: null,
        unreachable: true,
      },
    });
  }
  let connection = null;
  try {
    connection = ofTransaction ? transactionClient : await connected();
    if (tx === 'commit' || tx === 'rollback') transactionClient = null;
    let result;
    try {
      result = await run(connection, request);
    } catch (error) {
      // A named statement prepared before a migration changed its table ("cached plan must not change
      // result type"): outside a transaction, a fresh connection prepares it again.
      if (!(error instanceof pg.DatabaseError && error.code === '0A000' && tx === undefined)) throw error;
      forget(connection);
      connection = await connected();
      result = await run(connection, request);
    }
    if (tx === 'begin') transactionClient = connection;
    // A transaction a failed statement had aborted answers COMMIT with ROLLBACK: none of it was kept.
    if (tx === 'commit' && result.command === 'ROLLBACK')
      return answer({
        id,
        ok: false,
        error: {
          message: 'the transaction had failed: it was rolled back, not committed',
          code: '25P02',
          detail: null,
          unreachable: false,
        },
      });
    // A multi-statement script answers with one result per statement; only the count of rows matters then.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    answer({ id, ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
  } catch (error) {
    const failure = /** @type {{ message?: string, code?: string, detail?: string }} */ (error);
    const unreachable = isConnectionFailure(error);
    // The client is unusable after such a failure: the next statement connects afresh.
    if (unreachable && client) forget(client);
    answer({
      id,
      ok: false,
      error: {
        message: failure.message ?? String(error),
        code: error instanceof pg.DatabaseError ? (failure.code ?? null) : null,
        detail: failure.detail ?? null,
        unreachable,
      },
    });
  }
});
