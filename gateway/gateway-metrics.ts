import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayService } from './gateway-service.ts';

/** What an operator watches on a gateway left alone for months; read from the service at scrape time. */
export function registerGatewayMetrics(registry: Registry, gateway: GatewayService): void {
  const registers = [registry];
  new Gauge({
    name: 'sc_gateway_devices_connected',
    help: 'Wearables held now, per adapter',
    labelNames: ['adapter'] as const,
    registers,
    collect() {
      for (const central of gateway.centrals)
        this.set({ adapter: central.options.adapter }, central.seenDevices().filter((device) => device.connected).length);
    },
  });
  new Gauge({
    name: 'sc_gateway_devices_seen',
    help: 'Wearables heard since start, per adapter',
    labelNames: ['adapter'] as const,
    registers,
    collect() {
      for (const central of gateway.centrals) this.set({ adapter: central.options.adapter }, central.seenDevices().length);
    },
  });
  new Gauge({
    name: 'sc_gateway_outbox_messages',
    help: 'Telemetry messages on disk waiting for the broker',
    registers,
    collect() {
      this.set(gateway.outbox.size());
    },
  });
  new Gauge({
    name: 'sc_gateway_broker_connected',
    help: '1 while the gateway is connected to the broker',
    registers,
    collect() {
      this.set(gateway.uplink.connected ? 1 : 0);
    },
  });
  const totals = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  totals('sc_gateway_samples_total', 'Samples decoded from wearables', () => gateway.stats.samples);
  totals(
    'sc_gateway_outbox_dropped_total',
    'Telemetry messages dropped because the outbox was full',
    () => gateway.stats.droppedFromOutbox,
  );
  totals('sc_gateway_decode_errors_total', 'Notifications that could not be decoded', () => sum(gateway, 'decodeErrors'));
  totals('sc_gateway_plugin_faults_total', "Notifications a device plugin's decoder threw on or answered wrongly", () =>
    sum(gateway, 'pluginFaults'),
  );
  totals('sc_gateway_connect_timeouts_total', 'Connection attempts cancelled after the timeout', () => sum(gateway, 'connectTimeouts'));
  totals('sc_gateway_setup_failures_total', 'Connections lost or timed out during discovery and subscription', () =>
    sum(gateway, 'setupFailures'),
  );
  totals('sc_gateway_scan_restarts_total', 'Scans restarted after the controller stopped them', () => sum(gateway, 'scanRestarts'));
}

function sum(
  gateway: GatewayService,
  stat: 'decodeErrors' | 'pluginFaults' | 'connectTimeouts' | 'setupFailures' | 'scanRestarts',
): number {
  return gateway.centrals.reduce((total, central) => total + central.stats[stat], 0);
}
