import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { hasMosquitto, startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The embedded aedes keeps sessions in memory (see broker/embedded-broker.ts for why not on disk), so
// this scenario runs on Mosquitto with `persistence true`, the broker a club installs for this.
describe.skipIf(!hasMosquitto())('the broker restarted while the gateway and ingest run (Mosquitto, persistence true)', () => {
  let mosquitto: RunningMosquitto;
  let stores: Stores;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
  });
  afterAll(async () => {
    await stores?.close();
    await mosquitto?.dispose();
  });

  it('delivers every acknowledged sample exactly once after the restart', async () => {
    const ingest = new IngestService(
      { MQTT_URL: mosquitto.url, INGEST_CLIENT_ID: 'sc-ingest', INGEST_BATCH_SIZE: 5000, INGEST_FLUSH_INTERVAL: 100, INGEST_QUEUE_MAX_POINTS: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    await ingest.start();
    try {
      const simulation = runSimulation({ brokerUrl: mosquitto.url, club: 'club-m', gateway: 'gw', athletes: 20, seed: 5, durationMs: 20_000, pace: 'realtime', logger: testLogger });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      await mosquitto.stop();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      await mosquitto.start();
      const { published } = await simulation;
      // A message the gateway sent while the broker was down is resent by MQTT.js on reconnect.
      await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'club-m' })) === published, { timeoutMs: 30_000, what: 'every sample stored' });
      expect(await ingest.metrics.sequenceGaps.get()).toMatchObject({ values: [{ value: 0 }] });
      await ingest.writer.flush();
      expect(await stores.timeSeries.countPoints({ club: 'club-m' })).toBe(published);
    } finally {
      await ingest.stop();
    }
  }, 90_000);
});
