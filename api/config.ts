import { z } from 'zod';
import { DurationMs, LogLevel, MqttUrl, PortNumber, parseEnv } from '../protocol/env.ts';
import { StoreConfigShape } from '../store/store-config.ts';

export const ApiConfig = z.object({
  PORT: PortNumber.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  MQTT_URL: MqttUrl.default('mqtt://localhost:1883'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** A tile turns "stale" when its strap has been silent this long. */
  LIVE_STALE_AFTER: DurationMs.default(10_000),
  /** How much heart-rate history the live chart keeps. */
  LIVE_WINDOW: DurationMs.default(600_000),
  /** Where the built dashboard is served from. */
  DASHBOARD_DIR: z.string().min(1).default('./dist/dashboard'),
  LOG_LEVEL: LogLevel.default('info'),
  ...StoreConfigShape,
});
export type ApiConfig = z.infer<typeof ApiConfig>;

export const loadApiConfig = (env: Record<string, string | undefined>): ApiConfig => parseEnv(ApiConfig, env);
