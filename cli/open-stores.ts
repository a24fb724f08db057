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
import { SqliteTimeSeriesStore } from '../store/sqlite-time-series-store.ts';
import { influxOptionsOf, type StoreConfig, StoreConfigShape } from '../store/store-config.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';
import { TrainingLog } from '../store/training-log.ts';
import { reaching } from './startup-error.ts';

export interface Stores {
  db: SqliteDatabase;
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
 * The club's embedded file under DATA_DIR (registry, ingest queue, dead letters, and by default the
 * samples), plus InfluxDB for the samples when STORE=influxdb.
 */
export async function openStores(dataDir: string, config: StoreConfig, logger: Logger): Promise<Stores> {
  // Checked before anything is created on disk: a bad setting leaves no trace.
  const influxOptions = config.STORE === 'influxdb' ? influxOptionsOf(config) : null;
  const db = openDatabase(dataDir === ':memory:' ? ':memory:' : join(dataDir, DATABASE_FILE));
  try {
    const timeSeries = influxOptions
      ? await reaching('InfluxDB', influxOptions.url, 'INFLUX_URL', () => InfluxTimeSeriesStore.connect(influxOptions, logger))
      : new SqliteTimeSeriesStore(db);
    return {
      db,
      registry: new Registry(db),
      accounts: new Accounts(db),
      mqttAccounts: new MqttAccounts(db),
      sessions: new ClubSessions(db),
      trainingLog: new TrainingLog(db),
      readiness: new ReadinessChecks(db),
      challenges: new Challenges(db),
      timeSeries,
      deadLetters: new DeadLetters(db),
      ingestQueue: new IngestQueue(db),
      async close() {
        await timeSeries.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
