import { openDatabase } from '../../store/database.ts';
import { SqliteTimeSeriesStore } from '../../store/sqlite-time-series-store.ts';
import { describeTimeSeriesStoreContract } from './time-series-store-contract.ts';

describeTimeSeriesStoreContract('SQLite', async () => new SqliteTimeSeriesStore(openDatabase(':memory:')));
