import { z } from 'zod';
import { ConfigError } from '../protocol/env.ts';
import type { InfluxOptions } from './influx/influx-options.ts';

/**
 * Where the registry lives: PostgreSQL when set (shared by every API replica and ingest worker), else the
 * SQLite file under DATA_DIR. Every command that opens the registry takes it, the CLI's account commands too.
 */
export const RegistryConfigShape = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'a PostgreSQL URL: postgres://user:password@host:5432/database')
    .optional(),
};

/** Environment fields choosing and reaching the stores; every entry point that stores extends with them. */
export const StoreConfigShape = {
  ...RegistryConfigShape,
  STORE: z.enum(['sqlite', 'influxdb']).default('sqlite'),
  INFLUX_URL: z.url().optional(),
  INFLUX_TOKEN: z.string().min(1).optional(),
  INFLUX_ORG: z.string().min(1).optional(),
  INFLUX_BUCKET: z.string().min(1).optional(),
  INFLUX_DATABASE: z.string().min(1).optional(),
  INFLUX_USERNAME: z.string().min(1).optional(),
  INFLUX_PASSWORD: z.string().optional(),
  /** auto: ask /ping; v1: /write (InfluxDB 1.6, 1.7); v2: /api/v2/write (1.8+, 2.x, 3.x). */
  INFLUX_WRITE_API: z.enum(['auto', 'v1', 'v2']).default('auto'),
};
const StoreConfig = z.object(StoreConfigShape);
export type StoreConfig = z.infer<typeof StoreConfig>;

/** The InfluxDB options of a config, or a ConfigError naming what is missing. */
export function influxOptionsOf(config: StoreConfig): InfluxOptions {
  const missing: string[] = [];
  if (!config.INFLUX_URL) missing.push('INFLUX_URL');
  if (!config.INFLUX_DATABASE && !config.INFLUX_BUCKET) missing.push('INFLUX_DATABASE (1.x) or INFLUX_BUCKET (2.x, 3.x)');
  if (config.INFLUX_BUCKET && config.INFLUX_TOKEN && !config.INFLUX_ORG) missing.push('INFLUX_ORG (with INFLUX_TOKEN)');
  if (missing.length) throw new ConfigError(`invalid configuration:\n  STORE=influxdb needs ${missing.join(', ')}`);
  return {
    url: config.INFLUX_URL!,
    token: config.INFLUX_TOKEN,
    org: config.INFLUX_ORG,
    bucket: config.INFLUX_BUCKET,
    database: config.INFLUX_DATABASE,
    username: config.INFLUX_USERNAME,
    password: config.INFLUX_PASSWORD,
    writeEndpoint: config.INFLUX_WRITE_API,
  };
}
