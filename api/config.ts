import { z } from 'zod';
import { DevicePlugins, DurationMs, LogLevel, MqttUrl, PortNumber, parseEnv } from '../protocol/env.ts';
import { StoreConfigShape } from '../store/store-config.ts';
import { INGEST_SETTLE_MS } from './data-rights/erasure.ts';

export const ApiConfig = z.object({
  PORT: PortNumber.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  MQTT_URL: MqttUrl.default('mqtt://localhost:1883'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Device plugins: their kinds are accepted (ingest), served (API) and decoded (gateway). */
  DEVICE_PLUGINS: DevicePlugins,
  /** A tile turns "stale" when its strap has been silent this long. */
  LIVE_STALE_AFTER: DurationMs.default(10_000),
  /** How much heart-rate history the live chart keeps. */
  LIVE_WINDOW: DurationMs.default(600_000),
  /** Tiles are pushed as samples change them, at most this often per club (the chart adds a column per second). */
  LIVE_PUSH_INTERVAL: DurationMs.pipe(z.number().min(10, 'at least 10ms').max(1000, 'at most 1s')).default(100),
  /** Where the built dashboard is served from. */
  DASHBOARD_DIR: z.string().min(1).default('./dist/dashboard'),
  /** How long a login lasts (the session cookie and its row in the registry). */
  SESSION_TTL: DurationMs.pipe(z.number().min(60_000, 'at least 1m')).default(7 * 24 * 3_600_000),
  /** How long an invitation link stays valid. */
  INVITATION_TTL: DurationMs.pipe(z.number().min(60_000, 'at least 1m')).default(7 * 24 * 3_600_000),
  /** A bearer token that lets a Prometheus scraper read /metrics without a login (unset: platform admins only). */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').max(256).optional(),
  /** Live streams one person may hold open at once. */
  LIVE_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100).default(5),
  /** Login (and invitation, password) attempts per address and minute. */
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Writes (POST, PATCH, DELETE) per address and minute. */
  WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /** The longest an erasure waits for ingest to write the batches it read before the erasure began, then sweeps again. */
  ERASURE_SETTLE: DurationMs.pipe(z.number().min(0).max(600_000)).default(INGEST_SETTLE_MS),
  /** PEM files: with both, the API answers HTTPS only (and the session cookie is Secure). */
  API_TLS_CERT: z.string().min(1).optional(),
  API_TLS_KEY: z.string().min(1).optional(),
  /** Other sites allowed to call the API from a browser (comma-separated origins); unset: none (CORS off). */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.url({ message: 'an origin such as https://club.example' }))),
  /**
   * Behind a reverse proxy (nginx, a load balancer): `true`, or its addresses (comma-separated). Then
   * X-Forwarded-For and -Proto are believed: rate limits count each client, and the cookie is Secure
   * when the proxy speaks HTTPS.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === 'false' ? false : value === 'true' ? true : value)),
  /** production: refuse to start while demo accounts or default secrets exist. */
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: LogLevel.default('info'),
  ...StoreConfigShape,
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** Both TLS files or neither. */
export function refineTls<T extends z.ZodType<{ API_TLS_CERT?: string; API_TLS_KEY?: string }>>(schema: T) {
  return schema.refine((config) => Boolean(config.API_TLS_CERT) === Boolean(config.API_TLS_KEY), {
    message: 'set both API_TLS_CERT and API_TLS_KEY, or neither',
    path: ['API_TLS_CERT'],
  });
}

export const loadApiConfig = (env: Record<string, string | undefined>): ApiConfig => parseEnv(refineTls(ApiConfig), env);
