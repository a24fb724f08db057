import { buildApp } from '../../api/app.ts';
import { loadApiConfig } from '../../api/config.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import { type Command, untilSignal } from '../command.ts';
import { loadDeviceProfiles } from '../device-plugins.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry } from '../metrics-registry.ts';
import { openStores, STORE_ENV } from '../open-stores.ts';
import { refuseUnsafeProduction } from '../production-checks.ts';
import { listening } from '../startup-error.ts';
import { readTlsFiles } from '../tls-files.ts';

export const apiCommand: Command = {
  name: 'api',
  summary: 'HTTP API, live stream and dashboard',
  flags: {
    port: { env: 'PORT', description: 'HTTP port' },
    broker: { env: 'MQTT_URL', description: 'MQTT URL for the live view' },
    'data-dir': { env: 'DATA_DIR', description: 'where the SQLite file lives' },
  },
  env: [
    'DEVICE_PLUGINS',
    'PORT',
    'HOST',
    'MQTT_URL',
    'DATA_DIR',
    'LIVE_STALE_AFTER',
    'LIVE_WINDOW',
    'LIVE_PUSH_INTERVAL',
    'DASHBOARD_DIR',
    'LOG_LEVEL',
    ...STORE_ENV,
  ],
  async run(env) {
    const config = loadApiConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    const profiles = await loadDeviceProfiles(config.DEVICE_PLUGINS, logger);
    const metricsRegistry = createMetricsRegistry();
    const stores = await openStores(config.DATA_DIR, config, logger);
    refuseUnsafeProduction(config, stores.accounts);
    const live = new LiveHub({
      brokerUrl: config.MQTT_URL,
      registry: stores.registry,
      sessions: stores.sessions,
      logger,
      staleAfterMs: config.LIVE_STALE_AFTER,
      windowMs: config.LIVE_WINDOW,
      pushMs: config.LIVE_PUSH_INTERVAL,
    });
    // Not awaited: the API answers (live, not ready) while the broker is still away; the live view starts once it is back.
    live.start().catch((error: unknown) => logger.error({ err: error }, 'the live view could not subscribe'));
    const tls = readTlsFiles(config.API_TLS_CERT, config.API_TLS_KEY, 'API_TLS_CERT, API_TLS_KEY');
    const app = buildApp({ ...config, tls }, { ...stores, metricsRegistry, live, logger, profiles });
    try {
      await listening('PORT (--port)', config.PORT, () => app.listen({ port: config.PORT, host: config.HOST }));
      await untilSignal();
    } finally {
      await app.close();
      await live.stop();
      await stores.close();
    }
    return 0;
  },
};
