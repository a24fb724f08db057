import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { gatewayUsername } from '../protocol/mqtt/access.ts';
import { buildStatusPayload, type DevicesMessage, type GatewayStatus, parseDevicesMessage } from '../protocol/mqtt/gateway-state.ts';
import { buildChannelFilter, buildDevicesTopic, buildStatusTopic, buildTelemetryTopic, parseTopic } from '../protocol/mqtt/topics.ts';
import type { TelemetryOutbox } from './telemetry-outbox.ts';

export interface MqttUplinkOptions {
  brokerUrl: string;
  club: string;
  gateway: string;
  outbox: TelemetryOutbox;
  logger: Logger;
  /** Messages sent before waiting for their acknowledgements while replaying a backlog. */
  inFlight?: number;
  /** Called with every other gateway's retained devices list in this club (coordination). */
  onPeerDevices?: (message: DevicesMessage) => void;
}

const statusPayload = (gateway: string, state: GatewayStatus['state']) => buildStatusPayload(gateway, state, 'sport-connect gateway');

/**
 * The gateway's side of MQTT: sends the outbox in sequence order whenever the broker is reachable,
 * deleting each message only on its PUBACK; status with a Last Will; the devices list, retained.
 */
export class MqttUplink {
  private client: MqttClient | null = null;
  private draining = false;
  private readonly log: Logger;

  constructor(private readonly options: MqttUplinkOptions) {
    this.log = options.logger.child({ module: 'uplink' });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Starts connecting and returns at once: the gateway works (and buffers) without a broker. */
  start(): void {
    const { brokerUrl, club, gateway } = this.options;
    const client = mqtt.connect(brokerUrl, {
      // The client id is the gateway's user name: the broker lets nobody else take over its session.
      clientId: gatewayUsername(club, gateway),
      clean: true,
      reconnectPeriod: 2000,
      will: { topic: buildStatusTopic(club, gateway), payload: Buffer.from(statusPayload(gateway, 'offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.log.info({ backlog: this.options.outbox.size() }, 'broker connected');
      client.publish(buildStatusTopic(club, gateway), statusPayload(gateway, 'online'), { qos: 1, retain: true });
      if (this.options.onPeerDevices) client.subscribe(buildChannelFilter('devices', club), { qos: 1 });
      void this.drain();
    });
    client.on('offline', () => this.log.warn({ backlog: this.options.outbox.size() }, 'broker unreachable; buffering on disk'));
    client.on('error', (error) => this.log.debug({ err: error }, 'mqtt error'));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** New messages are in the outbox. */
  kick(): void {
    void this.drain();
  }

  publishDevices(devices: DevicesMessage['devices']): void {
    if (!this.connected) return;
    const message: DevicesMessage = { v: 1, gateway: this.options.gateway, atMs: Date.now(), devices };
    this.client!.publish(buildDevicesTopic(this.options.club, this.options.gateway), JSON.stringify(message), { qos: 1, retain: true });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (client.connected)
      await client
        .publishAsync(buildStatusTopic(this.options.club, this.options.gateway), statusPayload(this.options.gateway, 'offline'), {
          qos: 1,
          retain: true,
        })
        .catch(() => {});
    await client.endAsync(true);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const { outbox, club, gateway } = this.options;
    const topic = buildTelemetryTopic(club, gateway);
    try {
      while (this.connected) {
        const entries = outbox.peek(this.options.inFlight ?? 8);
        if (entries.length === 0) return;
        // Sent in order; each deleted only when acknowledged. A drop mid-way leaves the rest for the next connect.
        await Promise.all(
          entries.map((entry) => this.client!.publishAsync(topic, entry.payload, { qos: 1 }).then(() => outbox.acknowledge(entry.seq))),
        );
      }
    } catch (error) {
      this.log.warn({ err: error }, 'publish interrupted; the outbox keeps the rest');
    } finally {
      this.draining = false;
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const where = parseTopic(topic);
    if (where?.channel !== 'devices' || where.gateway === this.options.gateway) return;
    const message = parseDevicesMessage(payload);
    if (message) this.options.onPeerDevices?.(message);
  }
}
