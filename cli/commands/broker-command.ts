import { z } from 'zod';
import { EMBEDDED_BROKER_ENV, EmbeddedBrokerConfigShape } from '../../broker/config.ts';
import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { LogLevel, PortNumber, parseEnv } from '../../protocol/env.ts';
import { RegistryConfigShape } from '../../store/store-config.ts';
import { type Command, untilSignal } from '../command.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry, serveMetrics } from '../metrics-registry.ts';
import { openStores } from '../open-stores.ts';
import { refuseUnsafeProduction } from '../production-checks.ts';
import { listening } from '../startup-error.ts';
import { brokerTls } from '../tls-files.ts';

const BrokerConfig = z.object({
  ...EmbeddedBrokerConfigShape,
  /** Where the registry is: the broker reads gateway and service accounts from it. */
  DATA_DIR: z.string().min(1).default('./data'),
  ...RegistryConfigShape,
  /** Port of /metrics and /health (live; ready while it listens and the registry with its accounts answers); 0: none. */
  BROKER_METRICS_PORT: PortNumber.default(0),
  LOG_LEVEL: LogLevel.default('info'),
});

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'the embedded MQTT broker (aedes) alone; clients log in with accounts from the registry',
  flags: {
    port: { env: 'MQTT_PORT', description: 'MQTT port' },
    host: { env: 'MQTT_HOST', description: 'address to listen on' },
    redis: { env: 'MQTT_REDIS_URL', description: 'Redis URL for sessions and queues that survive a restart' },
    'data-dir': {
      env: 'DATA_DIR',
      description: 'where the registry (SQLite) with the MQTT accounts lives, unless DATABASE_URL names a PostgreSQL',
    },
  },
  env: [...EMBEDDED_BROKER_ENV, 'DATA_DIR', 'DATABASE_URL', 'BROKER_METRICS_PORT', 'LOG_LEVEL'],
  async run(env) {
    const config = parseEnv(BrokerConfig, env);
    const logger = createLogger(config.LOG_LEVEL);
    const stores = await openStores(
      config.DATA_DIR,
      { STORE: 'sqlite', INFLUX_WRITE_API: 'auto', DATABASE_URL: config.DATABASE_URL },
      logger,
    );
    try {
      refuseUnsafeProduction({ ...config, NODE_ENV: env.NODE_ENV }, stores.accounts);
      const broker = await listening('MQTT_PORT (--port) or MQTT_TLS_PORT', config.MQTT_PORT, () =>
        startEmbeddedBroker({
          port: config.MQTT_PORT,
          host: config.MQTT_HOST,
          redisUrl: config.MQTT_REDIS_URL,
          accounts: stores.mqttAccounts,
          maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
          maxConnectionsPerAddress: config.MQTT_MAX_CONNECTIONS_PER_ADDRESS,
          tls: brokerTls(config),
          logger,
        }),
      );
      // Ready while it listens (it does from here on) and can read the accounts clients log in with.
      const metrics = serveMetrics(createMetricsRegistry(), config.BROKER_METRICS_PORT, () => ({
        status: stores.registry.reachable() ? 'ok' : 'registry unreachable',
      }));
      await untilSignal();
      metrics.close();
      await broker.close();
    } finally {
      await stores.close();
    }
    return 0;
  },
};
