import { z } from 'zod';
import { DevicePlugins, DurationMs, LogLevel, MqttUrl, PortNumber, parseEnv } from '../protocol/env.ts';
import { StoreConfigShape } from '../store/store-config.ts';

export const IngestConfig = z.object({
  MQTT_URL: MqttUrl.default('mqtt://localhost:1883'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Device plugins: their kinds are accepted (ingest), served (API) and decoded (gateway). */
  DEVICE_PLUGINS: DevicePlugins,
  /** MQTT client id: with a persistent session, the broker keeps our QoS 1 backlog under this name. */
  INGEST_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('sc-ingest'),
  /**
   * Several ingest workers on one shared subscription ($share/<group>/…; Mosquitto 2, EMQX, HiveMQ): each
   * with its own INGEST_CLIENT_ID, the same group and the same DATA_DIR. Unset: one ingest takes it all.
   */
  INGEST_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" or "_" (1-64 characters)')
    .optional(),
  /** Points per store write. */
  INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  /** Longest a queued point waits before a write is attempted. */
  INGEST_FLUSH_INTERVAL: DurationMs.default(500),
  /**
   * Points the durable queue may hold while the store is away (about 1.7 million a day for a class of
   * 20 at 1 Hz). When full, ingest stops acknowledging and the broker keeps the backlog.
   */
  INGEST_QUEUE_MAX_POINTS: z.coerce.number().int().min(1000).default(5_000_000),
  /**
   * MQTT keep-alive, seconds: how soon a dead broker connection is noticed. While the queue is full ingest
   * cannot read PINGRESPs; it keeps pinging, and a vanished broker shows as a write error then (a cut cable
   * only when TCP gives up, minutes later).
   */
  INGEST_KEEPALIVE: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * Connected, gateways listing connected wearables, and no telemetry for this long: ingest reports a
   * stall (sc_ingest_telemetry_stalled, /health 503, one error log).
   */
  INGEST_STALL_AFTER: DurationMs.pipe(z.number().min(1000, 'at least 1s')).default(300_000),
  /** Prometheus text on /metrics (and /health) when ingest runs alone (0: off). */
  INGEST_METRICS_PORT: PortNumber.default(0),
  LOG_LEVEL: LogLevel.default('info'),
  ...StoreConfigShape,
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export const loadIngestConfig = (env: Record<string, string | undefined>): IngestConfig => parseEnv(IngestConfig, env);
