import { z } from 'zod';

// Field schemas shared by every entry point's loadConfig(env). Environment values are strings.

export const PortNumber = z.coerce.number().int().min(0).max(65535);

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "250ms", "30s", "45m", "1h" or a bare number of milliseconds → milliseconds. */
export const DurationMs = z.union(
  [
    z.number().nonnegative(),
    z
      .string()
      .trim()
      .regex(DURATION, 'a duration such as 500ms, 30s, 45m or 1h')
      .transform((text) => {
        const [, amount, unit] = DURATION.exec(text)!;
        return Math.round(Number(amount) * UNIT_MS[(unit ?? 'ms') as keyof typeof UNIT_MS]);
      }),
  ],
  { error: 'expected a duration such as 500ms, 30s, 45m or 1h' },
);

export const MqttUrl = z.string().regex(/^(mqtts?|wss?|tcp):\/\/[^\s]+$/, 'an MQTT URL such as mqtt://localhost:1883');

export const RedisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, 'a Redis URL such as redis://localhost:6379');

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Parses env with a schema and fails with one readable line per bad variable. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {
  readonly code = 'SC_ERR_CONFIG';
}

/** Device plugins to load (comma-separated: files, folders of plugins, installed npm packages); docs/device-kit.md. */
export const DevicePlugins = z.string().max(4000).default('');
