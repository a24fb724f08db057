import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../store/database.ts';
import { DeadLetters } from '../store/dead-letters.ts';
import { Registry } from '../store/registry.ts';
import { SqliteTimeSeriesStore } from '../store/sqlite-time-series-store.ts';
import type { TimeSeriesStore } from '../store/time-series-store.ts';

export interface Stores {
  db: SqliteDatabase;
  registry: Registry;
  timeSeries: TimeSeriesStore;
  deadLetters: DeadLetters;
  close(): Promise<void>;
}

export const DATABASE_FILE = 'sport-connect.db';

/** The club's embedded file under DATA_DIR: registry, queue, dead letters and (by default) samples. */
export function openStores(dataDir: string): Stores {
  const db = openDatabase(dataDir === ':memory:' ? ':memory:' : join(dataDir, DATABASE_FILE));
  const timeSeries = new SqliteTimeSeriesStore(db);
  return {
    db,
    registry: new Registry(db),
    timeSeries,
    deadLetters: new DeadLetters(db),
    async close() {
      await timeSeries.close();
      db.close();
    },
  };
}
