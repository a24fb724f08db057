import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerGatewayMetrics } from '../../gateway/gateway-metrics.ts';
import { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { VirtualClassInRoom } from '../../simulators/emulated-ble/virtual-strap.ts';
import {
  createEmulatedAdapter,
  GatewayService,
  gatewayConfig,
  startCountingIngest,
  temporaryDir,
  useEmbeddedBroker,
} from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('20 straps in a class', () => {
  const brokerUrl = useEmbeddedBroker();

  it('holds every strap over four adapters of five slots and forwards every notification exactly once', async () => {
    const url = brokerUrl();
    const dir = temporaryDir('sc-gw-');
    const room = new EmulatedRoom();
    const lesson = new VirtualClassInRoom(room, {
      athletes: 20,
      seed: 4,
      startMs: Date.now(),
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    const adapters = ['hci0', 'hci1', 'hci2', 'hci3'].map((adapter) => createEmulatedAdapter(room, { adapter, maxConnections: 5 }));
    const ingest = await startCountingIngest(url);
    const gateway = new GatewayService(
      gatewayConfig({ MQTT_URL: url, GATEWAY_DATA_DIR: dir.path, GATEWAY_MAX_CONNECTIONS: 5 }),
      adapters,
      testLogger,
    );
    await gateway.start();
    lesson.start(250);
    try {
      await waitFor(() => gateway.centrals.reduce((n, central) => n + central.seenDevices().filter((d) => d.connected).length, 0) === 20, {
        what: '20 straps connected',
        timeoutMs: 30_000,
      });
      for (const central of gateway.centrals) expect(central.seenDevices().filter((d) => d.connected).length).toBeLessThanOrEqual(5);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      lesson.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      gateway.flushBatch();

      const delivered = adapters.reduce((total, adapter) => total + [...adapter.binding.delivered.values()].reduce((a, b) => a + b, 0), 0);
      expect(delivered).toBeGreaterThan(20 * 8);
      await waitFor(async () => (await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate' })) === delivered, {
        what: 'every notification stored',
      });
      for (const strap of lesson.straps) {
        const perStrap = adapters.reduce((total, adapter) => total + (adapter.binding.delivered.get(strap.id) ?? 0), 0);
        expect(await ingest.stores.timeSeries.countPoints({ club: 'demo', device: strap.id, kind: 'heart_rate' })).toBe(perStrap);
      }
      // Each strap is held by exactly one adapter, and its battery was read on connect.
      const holders = lesson.straps.map((strap) => adapters.filter((adapter) => adapter.binding.connectedIds.includes(strap.id)).length);
      expect(holders).toEqual(lesson.straps.map(() => 1));
      expect(await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'battery' })).toBe(20);

      // What an operator sees on the gateway's /metrics.
      const registry = new Registry();
      registerGatewayMetrics(registry, gateway);
      const text = await registry.metrics();
      for (const adapter of ['hci0', 'hci1', 'hci2', 'hci3'])
        expect(text).toContain(`sc_gateway_devices_connected{adapter="${adapter}"} 5`);
      expect(text).toMatch(new RegExp(`^sc_gateway_samples_total ${gateway.stats.samples}$`, 'm'));
      expect(text).toMatch(/^sc_gateway_broker_connected 1$/m);
      expect(text).toMatch(/^sc_gateway_decode_errors_total 0$/m);
    } finally {
      lesson.stop();
      await gateway.stop();
      await ingest.stop();
      dir.remove();
    }
  });
});
