import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxTimeSeriesStore } from '../../store/influx/influx-time-series-store.ts';
import { hasInfluxd, type RunningInfluxd, startInfluxd } from '../helpers/influxd.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { describeTimeSeriesStoreContract } from './time-series-store-contract.ts';

describe.skipIf(!hasInfluxd())('InfluxDB 1.x (Debian influxd, v1 /write)', () => {
  let influxd: RunningInfluxd;
  let databases = 0;
  const stores: InfluxTimeSeriesStore[] = [];

  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await influxd?.dispose();
  });

  // A fresh database per test: the store creates it when missing, as it does for a club.
  describeTimeSeriesStoreContract('InfluxDB', async () => {
    const store = await InfluxTimeSeriesStore.connect({ url: influxd.url, database: `contract_${++databases}` }, testLogger);
    stores.push(store);
    return store;
  });
});

describe.skipIf(!hasInfluxd())('InfluxDB server detection', () => {
  it('recognises Debian’s 1.6 from /ping and writes through v1 /write, creating the database', async () => {
    const influxd = await startInfluxd();
    try {
      const store = await InfluxTimeSeriesStore.connect({ url: influxd.url, database: 'detect' }, testLogger);
      expect(store.version.major).toBe(1);
      expect(store.version.minor).toBe(6);
      expect(store.writeEndpoint).toBe('v1');
      const databases = await (await fetch(`${influxd.url}/query?q=SHOW%20DATABASES`)).json();
      expect(JSON.stringify(databases)).toContain('"detect"');
      await store.close();
    } finally {
      await influxd.dispose();
    }
  });
});
