import { z } from 'zod';
import { DevicePlugins, DurationMs, LogLevel, MqttUrl, PortNumber, parseEnv } from '../protocol/env.ts';
import { ClubId, GatewayId } from '../protocol/ids.ts';

export const GatewayConfig = z.object({
  GATEWAY_CLUB: ClubId,
  GATEWAY_ID: GatewayId,
  MQTT_URL: MqttUrl.default('mqtt://localhost:1883'),
  /** Device plugins: their kinds are accepted (ingest), served (API) and decoded (gateway). */
  DEVICE_PLUGINS: DevicePlugins,
  /** HCI adapters to use, "0" or "0,1": one noble per adapter. */
  GATEWAY_HCI: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated HCI numbers such as 0 or 0,1')
    .default('0')
    .transform((list) => list.split(',').map(Number)),
  /** Connections each adapter holds at most (typically 5–7). */
  GATEWAY_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(20).default(5),
  /**
   * Which wearables to hold: "any" advertising a known profile; "paired": those paired to a member of the
   * club (read from the API at GATEWAY_API_URL); or a comma-separated list of device ids.
   */
  GATEWAY_DEVICES: z.string().min(1).default('any'),
  /** The API to read pairings from, with GATEWAY_DEVICES=paired. */
  GATEWAY_API_URL: z.url().optional(),
  /** Samples are batched this long into one telemetry message. */
  GATEWAY_BATCH_WINDOW: DurationMs.default(1000),
  /** The retained devices list is republished this often. */
  GATEWAY_DEVICES_INTERVAL: DurationMs.default(5000),
  /** Where the store-and-forward outbox lives. */
  GATEWAY_DATA_DIR: z.string().min(1).default('./data/gateway'),
  /** Messages the outbox keeps while the broker is away (about 27 hours at one per second). */
  GATEWAY_OUTBOX_MAX_MESSAGES: z.coerce.number().int().min(100).default(100_000),
  /** Longest a connection attempt or a discovery step may take before it is cancelled. */
  GATEWAY_CONNECT_TIMEOUT: DurationMs.default(8000),
  /** How often the RSSI of held links is read (for hand-over between gateways). */
  GATEWAY_RSSI_POLL: DurationMs.default(5000),
  /** A held link weaker than this is released when another gateway of the club can take over. */
  GATEWAY_FADE_RSSI: z.coerce.number().int().min(-127).max(0).default(-90),
  /** Prometheus text on /metrics (0: off). */
  GATEWAY_METRICS_PORT: PortNumber.default(0),
  LOG_LEVEL: LogLevel.default('info'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

const GatewayConfigChecked = GatewayConfig.refine((config) => config.GATEWAY_DEVICES !== 'paired' || config.GATEWAY_API_URL !== undefined, {
  message: 'GATEWAY_DEVICES=paired needs GATEWAY_API_URL (where to read the pairings)',
  path: ['GATEWAY_API_URL'],
});

export const loadGatewayConfig = (env: Record<string, string | undefined>): GatewayConfig => parseEnv(GatewayConfigChecked, env);
