import { join } from 'node:path';
import type { Logger } from 'pino';
import { Accounts } from '../store/accounts.ts';
import { Challenges } from '../store/challenges.ts';
import { ClubSessions } from '../store/club-sessions.ts';
import { openDatabase, type SqliteDatabase } from '../store/database.ts';
import { DeadLetters } from '../store/dead-letters.ts';
import { InfluxTimeSeriesStore } from '../store/influx/influx-time-series-store.ts';
import { IngestQueue } from '../store/ingest-queue.ts';
import { MqttAccounts } from '../store/mqtt-accounts.ts';
import { ReadinessChecks } from '../store/readiness-checks.ts';
import { Registry } from '../store/registry.ts';
import { PostgresDatabase, PostgresError } from '../store/sql/postgres-database.ts';
import { migratePostgres } from '../store/sql/postgres-schema.ts';
import type { SqlDatabase } from '../store/sql/sql-database.ts';
import { SqliteTimeSeriesStore } from '../store/sqlite-time-series-store.ts';
import { influxOptionsOf, type StoreConfig, StoreConfigShape } from '../store/store-config.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';
import { TrainingLog } from '../store/training-log.ts';
import { reaching, StartupError } from './startup-error.ts';

export interface Stores {
  /** The process's own file: ingest's queue and subscriptions, dead letters, the SQLite store's samples. */
  db: SqliteDatabase;
  /** The registry's database (dead letters included): that same file, or PostgreSQL with DATABASE_URL. */
  registryDb: SqlDatabase;
  /**
   * With the registry on PostgreSQL, ingest workers may run on other hosts: their queues are out of this
   * process's reach (an erasure then waits its whole settle time before its last sweep).
   */
  ingestElsewhere: boolean;
  registry: Registry;
  accounts: Accounts;
  mqttAccounts: MqttAccounts;
  sessions: ClubSessions;
  trainingLog: TrainingLog;
  readiness: ReadinessChecks;
  challenges: Challenges;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  /** Ingest's durable queue (the API reaches into it only to erase an athlete's points). */
  ingestQueue: IngestQueue;
  close(): Promise<void>;
}

export const DATABASE_FILE = 'sport-connect.db';

/** The store variables, for --help. */
export const STORE_ENV = Object.keys(StoreConfigShape);

/**
 * The process's embedded file under DATA_DIR (ingest queue, dead letters, by default the samples, and
 * the registry unless DATABASE_URL puts it on PostgreSQL), plus InfluxDB for the samples when
 * STORE=influxdb.
 */
export async function openStores(dataDir: string, config: StoreConfig, logger: Logger): Promise<Stores> {
  // Checked before anything is created on disk: a bad setting leaves no trace.
  const influxOptions = config.STORE === 'influxdb' ? influxOptionsOf(config) : null;
  const registryDb = config.DATABASE_URL ? openPostgresRegistry(config.DATABASE_URL) : null;
  let db: SqliteDatabase | null = null;
  try {
    db = openDatabase(dataDir === ':memory:' ? ':memory:' : join(dataDir, DATABASE_FILE));
    const local = db;
    const shared: SqlDatabase = registryDb ?? local;
    const timeSeries = influxOptions
      ? await reaching('InfluxDB', influxOptions.url, 'INFLUX_URL', () => InfluxTimeSeriesStore.connect(influxOptions, logger))
      : new SqliteTimeSeriesStore(local);
    if (registryDb) {
      logger.info({ database: redactedUrl(config.DATABASE_URL!) }, 'registry on PostgreSQL');
      // A club moving onto PostgreSQL that forgot to bring its registry: its logins and pairings would seem gone.
      const hasClubs = (db: SqlDatabase) => db.prepare('SELECT 1 FROM clubs LIMIT 1').get() !== undefined;
      if (hasClubs(local) && !hasClubs(registryDb))
        logger.warn(
          { dataDir },
          'the SQLite file in DATA_DIR holds a registry that PostgreSQL does not: stop the services and copy it with `sport-connect registry copy-to-postgres`',
        );
    }
    return {
      db: local,
      registryDb: shared,
      ingestElsewhere: registryDb !== null,
      registry: new Registry(shared),
      accounts: new Accounts(shared),
      mqttAccounts: new MqttAccounts(shared),
      sessions: new ClubSessions(shared),
      trainingLog: new TrainingLog(shared),
      readiness: new ReadinessChecks(shared),
      challenges: new Challenges(shared),
      timeSeries,
      deadLetters: new DeadLetters(shared),
      ingestQueue: new IngestQueue(local),
      async close() {
        await timeSeries.close();
        local.close();
        registryDb?.close();
      },
    };
  } catch (error) {
    db?.close();
    registryDb?.close();
    throw error;
  }
}

/** The registry's database on PostgreSQL, migrated; an unreachable server is a StartupError naming DATABASE_URL. */
export function openPostgresRegistry(url: string): PostgresDatabase {
  const db = new PostgresDatabase(url);
  try {
    migratePostgres(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof PostgresError && error.unreachable)
      throw new StartupError(
        `cannot reach PostgreSQL at ${redactedUrl(url)} (${error.message}): start it, or point DATABASE_URL at the right address`,
        { cause: error },
      );
    // 28…: the user or password refused; 3D000: no such database.
    if (error instanceof PostgresError && (error.code?.startsWith('28') || error.code === '3D000'))
      throw new StartupError(
        `PostgreSQL at ${redactedUrl(url)} refused: ${error.message}: check the user, password and database in DATABASE_URL`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

/** A URL fit for logs: its password replaced, wherever it is given (user info, or `?password=`). */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
