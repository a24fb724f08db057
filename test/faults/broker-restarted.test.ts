import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { freePort } from '../helpers/free-port.ts';
import { hasMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { hasRedis, startRedis } from '../helpers/redis.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface RestartableBroker {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** The embedded aedes with Redis persistence, restarted on the same port. */
async function embeddedBrokerWithRedis(): Promise<RestartableBroker> {
  const redis = await startRedis();
  const port = await freePort();
  let broker: EmbeddedBroker | null = null;
  const start = async () => {
    broker = await startEmbeddedBroker({ port, host: '127.0.0.1', redisUrl: redis.url, logger: testLogger });
  };
  const stop = async () => {
    await broker?.close();
    broker = null;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    dispose: async () => {
      await stop();
      await redis.dispose();
    },
  };
}

const BROKERS: [string, boolean, () => Promise<RestartableBroker>][] = [
  ['Mosquitto with persistence true', hasMosquitto(), startMosquitto],
  ['the embedded aedes with Redis persistence', hasRedis(), embeddedBrokerWithRedis],
];

describe.each(BROKERS)('the broker restarted while the gateway and ingest run: %s', (_name, available, startBroker) => {
  let broker: RestartableBroker;
  let stores: Stores;

  beforeAll(async () => {
    if (!available) return;
    broker = await startBroker();
    stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
  });
  afterAll(async () => {
    await stores?.close();
    await broker?.dispose();
  });

  it.skipIf(!available)(
    'delivers every acknowledged sample exactly once after the restart',
    async () => {
      const ingest = new IngestService(
        {
          MQTT_URL: broker.url,
          INGEST_CLIENT_ID: 'sc-ingest',
          INGEST_BATCH_SIZE: 5000,
          INGEST_FLUSH_INTERVAL: 100,
          INGEST_QUEUE_MAX_POINTS: 1_000_000,
        },
        { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
      );
      await ingest.start();
      try {
        const simulation = runSimulation({
          brokerUrl: broker.url,
          club: 'club-m',
          gateway: 'gw',
          athletes: 20,
          seed: 5,
          durationMs: 20_000,
          pace: 'realtime',
          logger: testLogger,
        });
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        await broker.stop();
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        await broker.start();
        const { published } = await simulation;
        // A message the gateway sent while the broker was down is resent by MQTT.js on reconnect.
        await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'club-m' })) === published, {
          timeoutMs: 30_000,
          what: 'every sample stored',
        });
        await ingest.writer.flush();
        expect(await stores.timeSeries.countPoints({ club: 'club-m' })).toBe(published);
        expect((await ingest.metrics.sequenceMissing.get()).values[0]?.value ?? 0).toBe(0);
      } finally {
        await ingest.stop();
      }
    },
    90_000,
  );
});
