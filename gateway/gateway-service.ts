import { join } from 'node:path';
import type { Logger } from 'pino';
import { InstalledProfiles } from '../protocol/device-kit/installed-profiles.ts';
import type { SeenDevice } from '../protocol/mqtt/gateway-state.ts';
import { chunkSamples, mqttLimits } from '../protocol/mqtt/limits.ts';
import type { Sample } from '../protocol/mqtt/telemetry.ts';
import { BleCentral } from './ble-central.ts';
import type { GatewayConfig } from './config.ts';
import { MqttUplink } from './mqtt-uplink.ts';
import type { NobleLike } from './noble-types.ts';
import { PairedDevices } from './paired-devices.ts';
import { RoomCoordinator } from './room-coordinator.ts';
import { TelemetryOutbox } from './telemetry-outbox.ts';

export interface Adapter {
  name: string;
  noble: NobleLike;
}

export type GatewayServiceConfig = Pick<
  GatewayConfig,
  | 'GATEWAY_CLUB'
  | 'GATEWAY_ID'
  | 'MQTT_URL'
  | 'GATEWAY_MAX_CONNECTIONS'
  | 'GATEWAY_DEVICES'
  | 'GATEWAY_BATCH_WINDOW'
  | 'GATEWAY_DEVICES_INTERVAL'
  | 'GATEWAY_DATA_DIR'
  | 'GATEWAY_OUTBOX_MAX_MESSAGES'
  | 'GATEWAY_FADE_RSSI'
  | 'GATEWAY_CONNECT_TIMEOUT'
  | 'GATEWAY_RSSI_POLL'
> &
  Partial<Pick<GatewayConfig, 'GATEWAY_API_URL'>>;

const PAIRINGS_REFRESH_MS = 30_000;

/** A released fading link is left alone this long, so a better-placed gateway can take it. */
const HAND_OVER_HOLD_OFF_MS = 10_000;

/**
 * The gateway: one BLE central per adapter, samples stamped with this machine's clock and batched per
 * window into telemetry messages, committed to the on-disk outbox, sent in order when the broker is
 * reachable; the devices list and status retained; peers in the same club coordinated through theirs.
 */
export class GatewayService {
  readonly centrals: BleCentral[];
  readonly outbox: TelemetryOutbox;
  readonly uplink: MqttUplink;
  readonly coordinator = new RoomCoordinator();
  private readonly paired: PairedDevices | null;
  private pending: Sample[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  /** Counts a test or an operator can read. */
  readonly stats = { samples: 0, messages: 0, droppedFromOutbox: 0 };

  constructor(
    private readonly config: GatewayServiceConfig,
    adapters: Adapter[],
    logger: Logger,
    profiles: InstalledProfiles = InstalledProfiles.builtIn(),
  ) {
    this.log = logger.child({ module: 'gateway', gateway: config.GATEWAY_ID });
    this.outbox = new TelemetryOutbox(
      join(config.GATEWAY_DATA_DIR, `outbox-${config.GATEWAY_CLUB}-${config.GATEWAY_ID}.db`),
      config.GATEWAY_OUTBOX_MAX_MESSAGES,
    );
    this.uplink = new MqttUplink({
      brokerUrl: config.MQTT_URL,
      club: config.GATEWAY_CLUB,
      gateway: config.GATEWAY_ID,
      outbox: this.outbox,
      logger,
      onPeerDevices: (message) => this.coordinator.onPeerDevices(message),
    });
    this.paired =
      config.GATEWAY_DEVICES === 'paired'
        ? new PairedDevices({
            apiUrl: config.GATEWAY_API_URL!,
            club: config.GATEWAY_CLUB,
            refreshMs: PAIRINGS_REFRESH_MS,
            logger,
            brokerUrl: config.MQTT_URL,
          })
        : null;
    const listed =
      config.GATEWAY_DEVICES === 'any' || this.paired ? null : new Set(config.GATEWAY_DEVICES.split(',').map((id) => id.trim()));
    const isWanted = (id: string) => (this.paired ? this.paired.has(id) : listed === null || listed.has(id));
    this.centrals = adapters.map(
      (adapter) =>
        new BleCentral({
          noble: adapter.noble,
          adapter: adapter.name,
          maxConnections: config.GATEWAY_MAX_CONNECTIONS,
          profiles,
          timeouts: {
            connectMs: config.GATEWAY_CONNECT_TIMEOUT,
            discoveryMs: config.GATEWAY_CONNECT_TIMEOUT,
            readMs: Math.min(5000, config.GATEWAY_CONNECT_TIMEOUT),
          },
          rssiPollMs: config.GATEWAY_RSSI_POLL,
          shouldConnect: ({ id, rssiDbm }) =>
            isWanted(id) &&
            // One adapter per device on this host, and the best-placed gateway of the club.
            !this.centrals.some((other) => other.options.adapter !== adapter.name && other.isHolding(id)) &&
            this.coordinator.mayTake(id, rssiDbm),
          logger,
        }),
    );
  }

  async start(): Promise<void> {
    // Pairings first, so the first advertisements already find the list.
    await this.paired?.start();
    this.uplink.start();
    for (const central of this.centrals) {
      central.on('samples', (samples) => {
        this.pending.push(...samples);
        this.stats.samples += samples.length;
      });
      central.start();
    }
    this.timers.push(setInterval(() => this.flushBatch(), this.config.GATEWAY_BATCH_WINDOW));
    this.timers.push(setInterval(() => this.publishDevicesAndHandOver(), this.config.GATEWAY_DEVICES_INTERVAL));
    this.log.info({ adapters: this.centrals.length, backlog: this.outbox.size() }, 'gateway started');
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.paired?.stop();
    await Promise.all(this.centrals.map((central) => central.stop()));
    this.flushBatch();
    await this.uplink.stop();
    this.outbox.close();
  }

  /**
   * Ready means doing the whole job: a Bluetooth adapter powered on and the broker connected. Without the
   * broker the gateway still reads and keeps what it reads (the outbox), but nothing reaches the club.
   */
  health(): { status: string; adaptersPoweredOn: number; brokerConnected: boolean; outboxBacklog: number } {
    const adaptersPoweredOn = this.centrals.filter((central) => central.options.noble.state === 'poweredOn').length;
    const brokerConnected = this.uplink.connected;
    const status =
      adaptersPoweredOn === 0 ? 'no Bluetooth adapter powered on' : brokerConnected ? 'ok' : 'broker unreachable (keeping samples on disk)';
    return { status, adaptersPoweredOn, brokerConnected, outboxBacklog: this.outbox.size() };
  }

  /** Everything received in the last window becomes one (or, past the size limit, several) messages. */
  flushBatch(): void {
    if (this.pending.length === 0) return;
    const samples = this.pending;
    this.pending = [];
    for (const chunk of chunkSamples(samples)) {
      const { dropped } = this.outbox.append((seq) => ({
        v: 1,
        gateway: this.config.GATEWAY_ID,
        seq,
        sentAtMs: Date.now(),
        samples: chunk,
      }));
      this.stats.messages++;
      if (dropped > 0) {
        this.stats.droppedFromOutbox += dropped;
        this.log.error({ dropped, max: this.outbox.maxMessages }, 'outbox full: oldest telemetry dropped');
      }
    }
    this.uplink.kick();
  }

  private publishDevicesAndHandOver(): void {
    this.uplink.publishDevices(devicesForPeers(this.centrals.flatMap((central) => central.seenDevices())));
    if (!this.coordinator.hasPeers()) return;
    for (const central of this.centrals) {
      for (const id of central.fadingLinks(this.config.GATEWAY_FADE_RSSI)) {
        this.log.info({ device: id }, 'link fading: releasing it for a better-placed gateway');
        void central.release(id, HAND_OVER_HOLD_OFF_MS);
      }
    }
  }
}

/**
 * The devices list peers read: one entry per device (a link held by any adapter wins), held ones first,
 * then the most recently heard, within the contract's limit: a longer list would be refused by peers
 * and by ingest, and coordination would stop.
 */
export function devicesForPeers(seen: readonly SeenDevice[]): SeenDevice[] {
  const byId = new Map<string, SeenDevice>();
  for (const device of seen) {
    const known = byId.get(device.id);
    if (!known || (device.connected && !known.connected) || (device.connected === known.connected && device.lastSeenMs > known.lastSeenMs))
      byId.set(device.id, device);
  }
  return [...byId.values()]
    .sort((a, b) => Number(b.connected) - Number(a.connected) || b.lastSeenMs - a.lastSeenMs)
    .slice(0, mqttLimits.maxDevicesPerGateway);
}
