import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { GatewayService } from '../gateway/gateway-service.ts';
import type { NobleLike } from '../gateway/noble-types.ts';
import { EmulatedNobleBinding } from '../simulators/emulated-ble/emulated-noble-binding.ts';
import { EmulatedRoom } from '../simulators/emulated-ble/emulated-room.ts';
import { VirtualClassInRoom } from '../simulators/emulated-ble/virtual-strap.ts';

const SLOTS_PER_ADAPTER = 5;

/**
 * `up --via-ble`: the simulated class as virtual straps in an emulated room, held by the real gateway
 * code over real noble (one emulated adapter per five straps), publishing to the embedded broker.
 */
export async function startClassViaBle(options: {
  brokerUrl: string;
  club: string;
  gateway: string;
  athletes: number;
  seed: number;
  joinAtS: number;
  dataDir: string;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;
  const room = new EmulatedRoom();
  const nowMs = Date.now();
  const lesson = new VirtualClassInRoom(room, { athletes: options.athletes, seed: options.seed, startMs: nowMs - options.joinAtS * 1000 });
  lesson.simulatedClass.settleAt(nowMs);
  const adapters = Array.from({ length: Math.ceil(options.athletes / SLOTS_PER_ADAPTER) }, (_, index) => ({
    name: `emulated${index}`,
    noble: withBindings(new EmulatedNobleBinding(room, { adapter: `emulated${index}`, maxConnections: SLOTS_PER_ADAPTER })),
  }));
  const gateway = new GatewayService(
    {
      GATEWAY_CLUB: options.club,
      GATEWAY_ID: options.gateway,
      MQTT_URL: options.brokerUrl,
      GATEWAY_MAX_CONNECTIONS: SLOTS_PER_ADAPTER,
      GATEWAY_DEVICES: 'any',
      GATEWAY_BATCH_WINDOW: 1000,
      GATEWAY_DEVICES_INTERVAL: 5000,
      GATEWAY_DATA_DIR: options.dataDir,
      GATEWAY_OUTBOX_MAX_MESSAGES: 100_000,
      GATEWAY_CONNECT_TIMEOUT: 8000,
      GATEWAY_RSSI_POLL: 5000,
      GATEWAY_FADE_RSSI: -90,
    },
    adapters,
    options.logger,
  );
  await gateway.start();
  lesson.start();
  return {
    async stop() {
      lesson.stop();
      await gateway.stop();
    },
  };
}
