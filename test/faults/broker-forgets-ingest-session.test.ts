import { Registry as MetricsRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { IngestService, type IngestServiceConfig } from '../../ingest/ingest-service.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { VirtualGateway } from '../../simulators/virtual-gateway.ts';
import { freePort } from '../helpers/free-port.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Glossary: "session" is the broker's memory of ingest's client id (its subscriptions and QoS 1 backlog);
// the embedded aedes without Redis keeps it in memory, so a restart of the broker forgets it.

describe('the broker forgets ingest’s session while ingest is connected', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(overrides: Partial<IngestServiceConfig> = {}) {
    const port = await freePort();
    let broker: EmbeddedBroker | null = await startEmbeddedBroker({ port, host: '127.0.0.1', logger: testLogger });
    const url = `mqtt://127.0.0.1:${port}`;
    const stores: Stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
    const config: IngestServiceConfig = {
      MQTT_URL: url,
      INGEST_CLIENT_ID: 'sc-ingest',
      INGEST_BATCH_SIZE: 5000,
      INGEST_FLUSH_INTERVAL: 100,
      INGEST_QUEUE_MAX_POINTS: 1_000_000,
      ...overrides,
    };
    const newIngest = () => new IngestService(config, { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger });
    cleanups.push(async () => {
      await broker?.close();
      await stores.close();
    });
    return {
      url,
      stores,
      newIngest,
      async restartBroker() {
        await broker!.close();
        broker = null;
        broker = await startEmbeddedBroker({ port, host: '127.0.0.1', logger: testLogger });
      },
    };
  }

  // Repro from issue 11: ingest subscribed only when the first CONNACK said "no session", and MQTT.js
  // resubscribes only what its own process subscribed, so ingest stayed connected and received nothing.
  it('after ingest restarted onto a kept session and then the broker restarted, ingest subscribes again and stores everything', async () => {
    const { url, stores, newIngest, restartBroker } = await setUp();
    const first = newIngest();
    await first.start();
    await first.stop(); // the broker keeps the session (clean: false)

    const ingest = newIngest();
    await ingest.start(); // CONNACK: session present
    cleanups.push(() => ingest.stop());
    await restartBroker(); // the broker forgot the session; ingest reconnects and finds none
    await waitFor(async () => (await ingest.metrics.brokerConnects.get()).values[0]?.value === 2, { what: 'ingest reconnected' });

    const { published } = await runSimulation({
      brokerUrl: url,
      club: 'club-f',
      gateway: 'gw',
      athletes: 5,
      seed: 3,
      durationMs: 60_000,
      pace: 'fast',
      logger: testLogger,
    });
    await waitFor(async () => (await stores.timeSeries.countPoints({ club: 'club-f' })) === published, {
      what: `${published} samples stored`,
    });
    expect(ingest.health().status).toBe('ok');
  });

  it('says so when gateways report connected wearables and no telemetry arrives, and clears when it does', async () => {
    const { url, newIngest } = await setUp({ INGEST_STALL_AFTER: 2000 });
    const ingest = newIngest();
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const gateway = new VirtualGateway({ brokerUrl: url, club: 'club-s', gateway: 'gw' });
    await gateway.connect();
    cleanups.push(() => gateway.close());
    const stalled = async () => (await ingest.metrics.telemetryStalled.get()).values[0]?.value;

    // A gateway that sees nothing is not expected to send anything.
    await gateway.publishDevices([]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await stalled()).toBe(0);

    const strap = { id: 'strap-1', connected: true, lastSeenMs: Date.now() };
    await gateway.publishDevices([strap]);
    await waitFor(async () => (await stalled()) === 1, { what: 'stall reported', timeoutMs: 10_000 });
    expect(ingest.health().status).toBe('stalled');

    await gateway.publishSamples([{ device: 'strap-1', timeMs: Date.now(), kind: 'battery', values: { batteryPercent: 80 } }]);
    await waitFor(async () => (await stalled()) === 0, { what: 'stall cleared' });
    expect(ingest.health().status).toBe('ok');
  });
});
