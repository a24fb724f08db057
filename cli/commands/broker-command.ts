import { z } from 'zod';
import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { LogLevel, PortNumber, parseEnv, RedisUrl } from '../../protocol/env.ts';
import { type Command, untilSignal } from '../command.ts';
import { createLogger } from '../logger.ts';
import { listening } from '../startup-error.ts';

const BrokerConfig = z.object({
  MQTT_PORT: PortNumber.default(1883),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Redis for sessions and QoS 1 queues (they survive a restart); unset: memory. */
  MQTT_REDIS_URL: RedisUrl.optional(),
  LOG_LEVEL: LogLevel.default('info'),
});

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'the embedded MQTT broker (aedes) alone',
  flags: {
    port: { env: 'MQTT_PORT', description: 'MQTT port' },
    host: { env: 'MQTT_HOST', description: 'address to listen on' },
    redis: { env: 'MQTT_REDIS_URL', description: 'Redis URL for sessions and queues that survive a restart' },
  },
  env: ['MQTT_PORT', 'MQTT_HOST', 'MQTT_REDIS_URL', 'LOG_LEVEL'],
  async run(env) {
    const config = parseEnv(BrokerConfig, env);
    const logger = createLogger(config.LOG_LEVEL);
    const broker = await listening('MQTT_PORT (--port)', config.MQTT_PORT, () =>
      startEmbeddedBroker({ port: config.MQTT_PORT, host: config.MQTT_HOST, redisUrl: config.MQTT_REDIS_URL, logger }),
    );
    await untilSignal();
    await broker.close();
    return 0;
  },
};
