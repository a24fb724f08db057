import type { Command } from '../command.ts';
import { untilSignal } from '../command.ts';
import { createLogger } from '../logger.ts';
import { loadUpConfig, startUp, UpConfig } from '../up.ts';

export const upCommand: Command = {
  name: 'up',
  summary: 'everything in one process: broker, ingest, SQLite store, API, dashboard and a simulated class',
  flags: {
    port: { env: 'PORT', description: 'HTTP port of the API and dashboard' },
    'mqtt-port': { env: 'MQTT_PORT', description: 'MQTT port of the embedded broker' },
    'data-dir': { env: 'DATA_DIR', description: 'where the SQLite file lives' },
    athletes: { env: 'SIM_ATHLETES', description: 'simulated members of the demo club, 0 for none' },
    seed: { env: 'SIM_SEED', description: 'seed of the simulated class' },
    'via-ble': {
      env: 'SIM_VIA_BLE',
      description: 'run the class through the real gateway and noble over an emulated radio',
      boolean: true,
    },
  },
  env: Object.keys(UpConfig.shape),
  async run(env) {
    const config = loadUpConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    const stack = await startUp(config, logger);
    const liveUrl = `${stack.apiUrl}/?club=demo`;
    logger.info({ url: liveUrl, mqtt: stack.mqttUrl, athletes: config.SIM_ATHLETES }, 'Sport Connect is up');
    console.log(`Sport Connect is up: open ${liveUrl} (MQTT on ${stack.mqttUrl}). Ctrl+C stops.`);
    if (stack.demoLogins.length > 0) {
      // Shown once: only the hashes are kept. A production server refuses to start while these exist.
      console.log('Demo logins (shown this once; they stay valid):');
      for (const login of stack.demoLogins) console.log(`  ${login.role.padEnd(8)} ${login.email}  ${login.password}`);
    }
    const signal = await untilSignal();
    logger.info({ signal }, 'stopping');
    await stack.stop();
    return 0;
  },
};
