import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { GatewayService } from '../../gateway/gateway-service.ts';
import type { NobleLike } from '../../gateway/noble-types.ts';
import type { InstalledProfiles } from '../../protocol/device-kit/installed-profiles.ts';
import { EmulatedNobleBinding } from './emulated-noble-binding.ts';
import type { EmulatedRoom } from './emulated-room.ts';

/** Connections one emulated adapter holds, as a typical controller. */
const SLOTS_PER_ADAPTER = 5;

/**
 * The real gateway code over real noble, on emulated adapters in a room (one per five devices it must
 * hold), publishing to a broker: how `up --via-ble` and the scenarios play virtual devices.
 */
export async function startEmulatedGateway(options: {
  room: EmulatedRoom;
  /** Devices it must be able to hold at once. */
  devices: number;
  club: string;
  gateway: string;
  brokerUrl: string;
  dataDir: string;
  logger: Logger;
  profiles?: InstalledProfiles;
}): Promise<GatewayService> {
  const require = createRequire(import.meta.url);
  const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;
  const adapters = Array.from({ length: Math.max(1, Math.ceil(options.devices / SLOTS_PER_ADAPTER)) }, (_, index) => ({
    name: `emulated${index}`,
    noble: withBindings(new EmulatedNobleBinding(options.room, { adapter: `emulated${index}`, maxConnections: SLOTS_PER_ADAPTER })),
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
    options.profiles,
  );
  await gateway.start();
  return gateway;
}
