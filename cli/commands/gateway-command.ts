import { loadGatewayConfig } from '../../gateway/config.ts';
import { registerGatewayMetrics } from '../../gateway/gateway-metrics.ts';
import { GatewayService } from '../../gateway/gateway-service.ts';
import { type Command, untilSignal } from '../command.ts';
import { loadDeviceProfiles } from '../device-plugins.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry, serveMetrics } from '../metrics-registry.ts';
import { runGatewayAccountCommand } from './account-commands.ts';
import { UsageError } from './decode-command.ts';

export const gatewayCommand: Command = {
  name: 'gateway',
  summary:
    'the BLE gateway: wearables in the room → MQTT, with store-and-forward on disk; gateway add|revoke --club --id: its MQTT credentials',
  flags: {
    club: { env: 'GATEWAY_CLUB', description: 'club id' },
    id: { env: 'GATEWAY_ID', description: 'gateway id (unique in the club; the MQTT user name with Mosquitto ACLs)' },
    broker: { env: 'MQTT_URL', description: 'MQTT URL' },
    hci: { env: 'GATEWAY_HCI', description: 'HCI adapters, e.g. 0 or 0,1' },
    devices: { env: 'GATEWAY_DEVICES', description: '"any" or a comma-separated list of device ids to hold' },
    'data-dir': { env: 'GATEWAY_DATA_DIR', description: 'where the outbox lives' },
    'registry-dir': {
      env: 'DATA_DIR',
      description: 'with add or revoke: where the registry (SQLite) lives, unless DATABASE_URL names a PostgreSQL',
    },
  },
  positionals: '[add|revoke]',
  env: [
    'GATEWAY_CLUB',
    'GATEWAY_ID',
    'MQTT_URL',
    'GATEWAY_HCI',
    'GATEWAY_MAX_CONNECTIONS',
    'GATEWAY_DEVICES',
    'GATEWAY_BATCH_WINDOW',
    'GATEWAY_DEVICES_INTERVAL',
    'GATEWAY_DATA_DIR',
    'GATEWAY_OUTBOX_MAX_MESSAGES',
    'GATEWAY_CONNECT_TIMEOUT',
    'GATEWAY_RSSI_POLL',
    'GATEWAY_FADE_RSSI',
    'GATEWAY_API_URL',
    'GATEWAY_METRICS_PORT',
    'DEVICE_PLUGINS',
    'DATABASE_URL',
    'LOG_LEVEL',
  ],
  async run(env, positionals = []) {
    const [subcommand] = positionals;
    if (subcommand === 'add' || subcommand === 'revoke') return runGatewayAccountCommand(subcommand, env);
    if (subcommand) throw new UsageError(`unknown "${subcommand}": sport-connect gateway [add|revoke] --club <club> --id <gateway>`);
    const config = loadGatewayConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    // Loaded only now: it opens the Bluetooth adapters through a native module.
    const { openHciAdapters, BluetoothUnavailableError } = await import('../../gateway/hci-adapters.ts');
    let adapters: ReturnType<typeof openHciAdapters>;
    try {
      adapters = openHciAdapters(config.GATEWAY_HCI);
    } catch (error) {
      if (!(error instanceof BluetoothUnavailableError)) throw error;
      console.error(`sport-connect gateway: ${error.message}`);
      return 3;
    }
    const profiles = await loadDeviceProfiles(config.DEVICE_PLUGINS, logger);
    const gateway = new GatewayService(config, adapters, logger, profiles);
    await gateway.start();
    const metricsRegistry = createMetricsRegistry();
    registerGatewayMetrics(metricsRegistry, gateway);
    const metricsServer = serveMetrics(metricsRegistry, config.GATEWAY_METRICS_PORT, () => gateway.health());
    await untilSignal();
    metricsServer.close();
    await gateway.stop();
    return 0;
  },
};
