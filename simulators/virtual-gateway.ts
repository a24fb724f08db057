import mqtt, { type MqttClient } from 'mqtt';
import { gatewayUsername } from '../protocol/mqtt/access.ts';
import { buildStatusPayload, type DevicesMessage, type GatewayStatus } from '../protocol/mqtt/gateway-state.ts';
import { chunkSamples } from '../protocol/mqtt/limits.ts';
import type { Sample, TelemetryMessage } from '../protocol/mqtt/telemetry.ts';
import { buildDevicesTopic, buildStatusTopic, buildTelemetryTopic } from '../protocol/mqtt/topics.ts';

export interface VirtualGatewayOptions {
  brokerUrl: string;
  club: string;
  gateway: string;
}

const SOFTWARE = 'sport-connect simulator';
const statusPayload = (gateway: string, state: GatewayStatus['state']) => buildStatusPayload(gateway, state, SOFTWARE);

/**
 * Publishes like a gateway would — telemetry batches with sequence numbers, retained status with a Last
 * Will, retained devices list — but with samples from the simulators instead of a radio. Used for
 * demos and load tests that do not need the BLE layer.
 */
export class VirtualGateway {
  private client: MqttClient | null = null;
  /** Starts at 0 on every run: a real gateway persists it, ingest counts a restarted count as repeats. */
  private seq = 0;

  constructor(private readonly options: VirtualGatewayOptions) {}

  async connect(): Promise<void> {
    const { brokerUrl, club, gateway } = this.options;
    this.client = await mqtt.connectAsync(brokerUrl, {
      clientId: gatewayUsername(club, gateway),
      clean: true,
      reconnectPeriod: 1000,
      will: { topic: buildStatusTopic(club, gateway), payload: Buffer.from(statusPayload(gateway, 'offline')), qos: 1, retain: true },
    });
    await this.client.publishAsync(buildStatusTopic(club, gateway), statusPayload(gateway, 'online'), { qos: 1, retain: true });
  }

  /** Publishes samples as one or more telemetry messages (QoS 1); resolves when the broker has them all. */
  async publishSamples(samples: readonly Sample[]): Promise<number> {
    const client = this.requireClient();
    const publishes: Promise<unknown>[] = [];
    for (const chunk of chunkSamples(samples)) {
      const message: TelemetryMessage = { v: 1, gateway: this.options.gateway, seq: this.seq++, sentAtMs: Date.now(), samples: chunk };
      publishes.push(
        client.publishAsync(buildTelemetryTopic(this.options.club, this.options.gateway), JSON.stringify(message), { qos: 1 }),
      );
    }
    await Promise.all(publishes);
    return publishes.length;
  }

  async publishDevices(devices: DevicesMessage['devices']): Promise<void> {
    const message: DevicesMessage = { v: 1, gateway: this.options.gateway, atMs: Date.now(), devices };
    await this.requireClient().publishAsync(buildDevicesTopic(this.options.club, this.options.gateway), JSON.stringify(message), {
      qos: 1,
      retain: true,
    });
  }

  /** Orderly shutdown: the retained status says offline (the Last Will covers the disorderly one). */
  async close(): Promise<void> {
    if (!this.client) return;
    const { club, gateway } = this.options;
    await this.client
      .publishAsync(buildStatusTopic(club, gateway), statusPayload(gateway, 'offline'), { qos: 1, retain: true })
      .catch(() => {});
    await this.client.endAsync();
    this.client = null;
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error('virtual gateway is not connected');
    return this.client;
  }
}
