import { z } from 'zod';
import { LogLevel, parseEnv, PortNumber } from '../../protocol/env.ts';
import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { untilSignal, type Command } from '../command.ts';
import { createLogger } from '../logger.ts';

const BrokerConfig = z.object({
  MQTT_PORT: PortNumber.default(1883),
  MQTT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Sessions and QoS 1 queues on disk here; "memory" keeps them in RAM (lost on restart). */
  MQTT_PERSISTENCE_DIR: z.string().min(1).default('./data/broker'),
  LOG_LEVEL: LogLevel.default('info'),
});

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'the embedded MQTT broker (aedes) alone',
  flags: {
    port: { env: 'MQTT_PORT', description: 'MQTT port' },
    host: { env: 'MQTT_HOST', description: 'address to listen on' },
    persistence: { env: 'MQTT_PERSISTENCE_DIR', description: 'folder for sessions and queues, or "memory"' },
  },
  env: ['MQTT_PORT', 'MQTT_HOST', 'MQTT_PERSISTENCE_DIR', 'LOG_LEVEL'],
  async run(env) {
    const config = parseEnv(BrokerConfig, env);
    const broker = await startEmbeddedBroker({
      port: config.MQTT_PORT,
      host: config.MQTT_HOST,
      persistenceDir: config.MQTT_PERSISTENCE_DIR === 'memory' ? undefined : config.MQTT_PERSISTENCE_DIR,
      logger: createLogger(config.LOG_LEVEL),
    });
    await untilSignal();
    await broker.close();
    return 0;
  },
};
