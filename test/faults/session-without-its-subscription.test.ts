import mqtt from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Repro from the review of issue 11: Mosquitto answers "session present" for any persistent session,
// also one whose SUBSCRIBE never completed (the link dropped before the SUBACK). Ingest must not take
// "present" for "subscribed".
describe.skipIf(!hasMosquitto())('ingest finding its session on Mosquitto without its subscription', () => {
  let mosquitto: RunningMosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto?.dispose();
  });

  it('subscribes anyway and stores what gateways send', async () => {
    // The session as a dropped first attempt leaves it: persistent, no subscription.
    const earlier = await mqtt.connectAsync(mosquitto.url, { clientId: 'sc-ingest-m', clean: false });
    await earlier.endAsync();
    const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    const ingest = new IngestService(
      {
        MQTT_URL: mosquitto.url,
        INGEST_CLIENT_ID: 'sc-ingest-m',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 100,
        INGEST_QUEUE_MAX_POINTS: 100_000,
      },
      { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    await ingest.start();
    try {
      const { published } = await runSimulation({
        brokerUrl: mosquitto.url,
        club: 'club-m',
        gateway: 'gw',
        athletes: 3,
        seed: 4,
        durationMs: 30_000,
        pace: 'fast',
        logger: testLogger,
      });
      await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'club-m' })) === published, {
        what: `${published} samples stored`,
      });
      expect(published).toBeGreaterThan(0);
    } finally {
      await ingest.stop();
      await stores.close();
    }
  });
});
