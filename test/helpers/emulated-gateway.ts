import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { openStores, type Stores } from '../../cli/open-stores.ts';
import { GatewayService, type GatewayServiceConfig } from '../../gateway/gateway-service.ts';
import type { NobleLike } from '../../gateway/noble-types.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { EmulatedNobleBinding, type EmulatedAdapterOptions } from '../../simulators/emulated-ble/emulated-noble-binding.ts';
import type { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { testLogger } from './silent-logger.ts';

// Glossary: a "room" is the emulated air; an "adapter" is one emulated HCI controller with its own
// noble instance (real noble, lib/noble.js, over our binding); "delivered" counts the notifications
// the binding handed to noble — exactly what the gateway could have forwarded.

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

export function createEmulatedAdapter(room: EmulatedRoom, options: EmulatedAdapterOptions): { name: string; noble: NobleLike; binding: EmulatedNobleBinding } {
  const binding = new EmulatedNobleBinding(room, options);
  return { name: options.adapter, noble: withBindings(binding), binding };
}

export function gatewayConfig(overrides: Partial<GatewayServiceConfig> & Pick<GatewayServiceConfig, 'MQTT_URL' | 'GATEWAY_DATA_DIR'>): GatewayServiceConfig {
  return {
    GATEWAY_CLUB: 'demo',
    GATEWAY_ID: 'gw-1',
    GATEWAY_MAX_CONNECTIONS: 7,
    GATEWAY_DEVICES: 'any',
    GATEWAY_BATCH_WINDOW: 500,
    GATEWAY_DEVICES_INTERVAL: 1000,
    GATEWAY_OUTBOX_MAX_MESSAGES: 100_000,
    GATEWAY_FADE_RSSI: -90,
    ...overrides,
  };
}

/** Ingest into an in-memory SQLite store, to count what arrived end to end. */
export async function startCountingIngest(brokerUrl: string, clientId = 'sc-ingest-test'): Promise<{ stores: Stores; ingest: IngestService; stop(): Promise<void> }> {
  const stores = await openStores(':memory:', { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, testLogger);
  const ingest = new IngestService(
    { MQTT_URL: brokerUrl, INGEST_CLIENT_ID: clientId, INGEST_BATCH_SIZE: 5000, INGEST_FLUSH_INTERVAL: 100, INGEST_QUEUE_MAX_POINTS: 1_000_000 },
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
