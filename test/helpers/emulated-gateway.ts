import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { GatewayService, type GatewayServiceConfig } from '../../gateway/gateway-service.ts';
import type { NobleLike } from '../../gateway/noble-types.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { type EmulatedAdapterOptions, EmulatedNobleBinding } from '../../simulators/emulated-ble/emulated-noble-binding.ts';
import type { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { testLogger } from './silent-logger.ts';

// Glossary: a "room" is the emulated air; an "adapter" is one emulated HCI controller with its own
// noble instance (real noble, lib/noble.js, over our binding); "delivered" counts the notifications
// the binding handed to noble — exactly what the gateway could have forwarded.

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

export function createEmulatedAdapter(
  room: EmulatedRoom,
  options: EmulatedAdapterOptions,
): { name: string; noble: NobleLike; binding: EmulatedNobleBinding } {
  const binding = new EmulatedNobleBinding(room, options);
  return { name: options.adapter, noble: withBindings(binding), binding };
}

export function gatewayConfig(
  overrides: Partial<GatewayServiceConfig> & Pick<GatewayServiceConfig, 'MQTT_URL' | 'GATEWAY_DATA_DIR'>,
): GatewayServiceConfig {
  return {
    GATEWAY_CLUB: 'demo',
    GATEWAY_ID: 'gw-1',
    GATEWAY_MAX_CONNECTIONS: 7,
    GATEWAY_DEVICES: 'any',
    GATEWAY_BATCH_WINDOW: 500,
    GATEWAY_DEVICES_INTERVAL: 1000,
    GATEWAY_OUTBOX_MAX_MESSAGES: 100_000,
    GATEWAY_FADE_RSSI: -90,
    GATEWAY_CONNECT_TIMEOUT: 1000,
    GATEWAY_RSSI_POLL: 1000,
    ...overrides,
  };
}

/** Ingest into an in-memory SQLite store, to count what arrived end to end. */
export async function startCountingIngest(
  brokerUrl: string,
  clientId = 'sc-ingest-test',
): Promise<{ stores: Stores; ingest: IngestService; stop(): Promise<void> }> {
  const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
  const ingest = new IngestService(
    {
      MQTT_URL: brokerUrl,
      INGEST_CLIENT_ID: clientId,
      INGEST_BATCH_SIZE: 5000,
      INGEST_FLUSH_INTERVAL: 100,
      INGEST_QUEUE_MAX_POINTS: 1_000_000,
    },
    { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger },
  );
  await ingest.start();
  return {
    stores,
    ingest,
    async stop() {
      await ingest.stop();
      await stores.close();
    },
  };
}

export function temporaryDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export { GatewayService };

/** Heart-rate notifications the adapters handed to noble for one strap (or all, without an id). */
export function deliveredCount(adapters: { binding: EmulatedNobleBinding }[], strapId?: string): number {
  let total = 0;
  for (const { binding } of adapters) for (const [id, count] of binding.delivered) if (!strapId || id === strapId) total += count;
  return total;
}

export function connectedCount(gateway: GatewayService): number {
  return gateway.centrals.reduce((n, central) => n + central.seenDevices().filter((device) => device.connected).length, 0);
}

export interface ScenarioOptions {
  brokerUrl: string;
  /** The broker URL (with credentials) of the counting ingest, when it differs from the gateway's. */
  ingestBrokerUrl?: string;
  straps: number;
  adapters?: { adapter: string; maxConnections?: number }[];
  gateway?: Partial<GatewayServiceConfig>;
  seed?: number;
}

/**
 * The usual scenario: a class of virtual straps in a room, a gateway with emulated adapters, ingest
 * counting into SQLite. Straps notify four times a second to keep scenarios short.
 */
export async function startScenario(options: ScenarioOptions) {
  const { EmulatedRoom } = await import('../../simulators/emulated-ble/emulated-room.ts');
  const { VirtualClassInRoom } = await import('../../simulators/emulated-ble/virtual-strap.ts');
  const dir = temporaryDir('sc-gw-');
  const room = new EmulatedRoom();
  const lesson = new VirtualClassInRoom(room, {
    athletes: options.straps,
    seed: options.seed ?? 1,
    startMs: Date.now(),
    imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
  });
  const adapters = (options.adapters ?? [{ adapter: 'hci0' }]).map((a) => createEmulatedAdapter(room, a));
  const ingest = await startCountingIngest(options.ingestBrokerUrl ?? options.brokerUrl);
  const config = gatewayConfig({ MQTT_URL: options.brokerUrl, GATEWAY_DATA_DIR: dir.path, ...options.gateway });
  const gateway = new GatewayService(config, adapters, testLogger);
  await gateway.start();
  lesson.start(250);
  const storedHeartRates = (device?: string) =>
    ingest.stores.timeSeries.countPoints({ club: config.GATEWAY_CLUB, kind: 'heart_rate', ...(device ? { device } : {}) });
  return {
    room,
    lesson,
    adapters,
    ingest,
    gateway,
    config,
    dir,
    storedHeartRates,
    /** Stops the straps, sends what is pending, and waits until ingest stored every delivered notification. */
    async settle(): Promise<number> {
      lesson.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      gateway.flushBatch();
      const delivered = deliveredCount(adapters);
      const { waitFor } = await import('./wait-for.ts');
      await waitFor(async () => (await storedHeartRates()) === delivered, { what: `${delivered} notifications stored` });
      return delivered;
    },
    async stop(): Promise<void> {
      lesson.stop();
      await gateway.stop().catch(() => {});
      await ingest.stop();
      dir.remove();
    },
  };
}

/** An embedded broker for the suite it is called in (started before, closed after); returns its URL getter. */
export function useEmbeddedBroker(): () => string {
  let broker: EmbeddedBroker | undefined;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: testLogger });
  });
  afterAll(async () => {
    await broker?.close();
  });
  return () => `mqtt://127.0.0.1:${broker!.port}`;
}
