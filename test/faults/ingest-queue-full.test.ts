import { Registry as MetricsRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { StoreWriteError } from '../../store/store-errors.ts';
import type { TimeSeriesStore } from '../../store/time-series-store.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('the ingest queue full while the store is away', () => {
  const brokerUrl = useEmbeddedBroker();

  // The store stays away for many keep-alive periods (1 s here; a 10-minute outage at the default 30 s):
  // repro from issue 11, where holding an acknowledgement starved the client of PINGRESPs and it
  // reconnected. Reading stopped at the socket is test/ingest/mqtt-session.test.ts's.
  it('stops acknowledging at the bound, keeps the connection through a long hold, and takes everything once the store is back', async () => {
    const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    let storeDown = true;
    const flaky: TimeSeriesStore = Object.create(stores.timeSeries);
    flaky.writePoints = async (points) => {
      if (storeDown) throw new StoreWriteError('store away', true, 100);
      return stores.timeSeries.writePoints(points);
    };
    const ingest = new IngestService(
      {
        MQTT_URL: brokerUrl(),
        INGEST_CLIENT_ID: 'sc-ingest-full',
        INGEST_BATCH_SIZE: 500,
        INGEST_FLUSH_INTERVAL: 50,
        INGEST_QUEUE_MAX_POINTS: 1000,
        INGEST_KEEPALIVE: 1,
      },
      { ...stores, timeSeries: flaky, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    await ingest.start();
    try {
      // 10 members × 5 minutes ≈ 3,000 samples, three times the bound.
      const { published } = await runSimulation({
        brokerUrl: brokerUrl(),
        club: 'full',
        gateway: 'gw',
        athletes: 10,
        seed: 2,
        durationMs: 300_000,
        pace: 'fast',
        logger: testLogger,
      });
      await waitFor(async () => (await ingest.metrics.queueFull.get()).values[0]?.value === 1, { what: 'queue full reported' });
      // Held at the bound (plus the message that crossed it); the rest waits at the broker.
      expect(ingest.queue.depth().points).toBeLessThanOrEqual(1000 + 20);
      expect(ingest.queue.depth().points).toBeGreaterThanOrEqual(1000);
      const queuedWhileHeld = ingest.queue.depth().points;
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect(ingest.health()).toMatchObject({ status: 'ok', queueFull: true });
      expect(ingest.queue.depth().points).toBe(queuedWhileHeld);
      storeDown = false;
      await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'full' })) === published, {
        what: 'everything stored',
        timeoutMs: 30_000,
      });
      expect((await ingest.metrics.queueFull.get()).values[0]?.value).toBe(0);
      // One connection from start to end: no reconnect during the hold.
      expect((await ingest.metrics.brokerConnects.get()).values[0]?.value).toBe(1);
    } finally {
      await ingest.stop();
      await stores.close();
    }
  });
});
