import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { VirtualGateway } from '../../simulators/virtual-gateway.ts';
import { hasMosquitto, type RunningMosquitto, startMosquitto } from '../helpers/mosquitto.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

const withLogin = (url: string, username: string, password: string) => url.replace('mqtt://', `mqtt://${username}:${password}@`);

// The silent failure of issue 11, on a real Mosquitto: ingest connected and subscribed (the SUBACK grants
// it), gateways sending, and an ACL that quietly drops every telemetry message on its way to ingest.
describe.skipIf(!hasMosquitto())('a broker ACL that drops telemetry on its way to ingest', () => {
  let mosquitto: RunningMosquitto;
  let stores: Stores;

  beforeAll(async () => {
    mosquitto = await startMosquitto({
      users: [
        { username: 'sc-ingest', password: 'ingest-secret' },
        { username: 'demo.gw', password: 'gateway-secret' },
      ],
      acl: [
        'user sc-ingest',
        'topic read sc/v1/+/+/devices',
        'topic read sc/v1/elsewhere/+/telemetry',
        'user demo.gw',
        'topic readwrite sc/v1/demo/gw/#',
        '',
      ].join('\n'),
    });
    stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
  });
  afterAll(async () => {
    await stores?.close();
    await mosquitto?.dispose();
  });

  it('is reported as a stall while the gateway says it holds a strap, with nothing stored', async () => {
    const ingest = new IngestService(
      {
        MQTT_URL: withLogin(mosquitto.url, 'sc-ingest', 'ingest-secret'),
        INGEST_CLIENT_ID: 'sc-ingest',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 100,
        INGEST_QUEUE_MAX_POINTS: 100_000,
        INGEST_STALL_AFTER: 2000,
      },
      { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
    );
    await ingest.start();
    const gateway = new VirtualGateway({ brokerUrl: withLogin(mosquitto.url, 'demo.gw', 'gateway-secret'), club: 'demo', gateway: 'gw' });
    await gateway.connect();
    const sending = setInterval(() => {
      void gateway.publishDevices([{ id: 'strap-1', connected: true, lastSeenMs: Date.now() }]);
      void gateway.publishSamples([{ device: 'strap-1', timeMs: Date.now(), kind: 'heart_rate', values: { heartRateBpm: 120 } }]);
    }, 500);
    try {
      await waitFor(async () => (await ingest.metrics.telemetryStalled.get()).values[0]?.value === 1, {
        what: 'the stall reported',
        timeoutMs: 15_000,
      });
      expect(ingest.health().status).toBe('stalled');
      expect(await stores.timeSeries.countPoints({ club: 'demo' })).toBe(0);
    } finally {
      clearInterval(sending);
      await gateway.close();
      await ingest.stop();
    }
  });
});
