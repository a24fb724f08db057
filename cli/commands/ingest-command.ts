import { loadIngestConfig } from '../../ingest/config.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { type Command, untilSignal } from '../command.ts';
import { loadDeviceProfiles } from '../device-plugins.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry, serveMetrics } from '../metrics-registry.ts';
import { openStores, STORE_ENV } from '../open-stores.ts';
import { refuseUnsafeProduction } from '../production-checks.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'MQTT telemetry → validated, queued, batched into the store',
  flags: {
    broker: { env: 'MQTT_URL', description: 'MQTT URL' },
    'data-dir': { env: 'DATA_DIR', description: 'where the SQLite file lives' },
    'client-id': { env: 'INGEST_CLIENT_ID', description: 'MQTT client id of the persistent session' },
    'share-group': {
      env: 'INGEST_SHARE_GROUP',
      description: 'one of several workers on a shared subscription (Mosquitto 2, EMQX, HiveMQ)',
    },
  },
  env: [
    'DEVICE_PLUGINS',
    'MQTT_URL',
    'DATA_DIR',
    'INGEST_CLIENT_ID',
    'INGEST_SHARE_GROUP',
    'INGEST_BATCH_SIZE',
    'INGEST_FLUSH_INTERVAL',
    'INGEST_QUEUE_MAX_POINTS',
    'INGEST_KEEPALIVE',
    'INGEST_STALL_AFTER',
    'INGEST_METRICS_PORT',
    'LOG_LEVEL',
    ...STORE_ENV,
  ],
  async run(env) {
    const config = loadIngestConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    // The plugins' kinds are what ingest accepts beyond the built-in ones.
    await loadDeviceProfiles(config.DEVICE_PLUGINS, logger);
    const metricsRegistry = createMetricsRegistry();
    const stores = await openStores(config.DATA_DIR, config, logger);
    refuseUnsafeProduction({ ...config, NODE_ENV: env.NODE_ENV }, stores.accounts);
    const ingest = new IngestService(config, { ...stores, metricsRegistry, logger });
    // Health first: live while starting, ready once connected (an orchestrator sees a start, not a dead process).
    const metricsServer = serveMetrics(metricsRegistry, config.INGEST_METRICS_PORT, () => ingest.health());
    try {
      await ingest.start();
    } catch (error) {
      metricsServer.close();
      await stores.close();
      throw error;
    }
    await untilSignal();
    metricsServer.close();
    await ingest.stop();
    await stores.close();
    return 0;
  },
};
