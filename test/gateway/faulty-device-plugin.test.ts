import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import oxasense from '../../examples/device-plugins/oxasense-smo2/index.ts';
import { registerGatewayMetrics } from '../../gateway/gateway-metrics.ts';
import type { DeviceProfile, SimulatedMoment } from '../../protocol/device-kit/device-profile.ts';
import { uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { InstalledProfiles } from '../../protocol/device-kit/installed-profiles.ts';
import { normalizeUuid } from '../../protocol/gatt/uuids.ts';
import { EmulatedRoom } from '../../simulators/emulated-ble/emulated-room.ts';
import { createVirtualDevice, type VirtualDevice } from '../../simulators/scenario/virtual-device.ts';
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

const LACTATE = 'f1a70001-0000-4000-8000-0000000000f1';

/** What the flaky plugin's decoders did, counted by the plugin itself. */
const outcomes = { threw: 0, garbage: 0, good: 0 };

/**
 * A start-up's first firmware and plugin: it passes its checks at load, then in the room throws on every
 * third notification and reports an impossible lactate on others.
 */
const flaky: DeviceProfile = {
  name: 'flaky-lactate',
  label: 'Flaky lactate patch',
  vendor: 'Flaky',
  serviceUuid: 'f1a70000-0000-4000-8000-0000000000f1',
  characteristics: [{ uuid: LACTATE, name: 'Lactate', notify: true }],
  kinds: [
    { name: 'flaky.lactate', label: 'Lactate', fields: [{ name: 'lactateMmol', label: 'Lactate', unit: 'mmol/L', min: 0, max: 30 }] },
  ],
  createDecoder: () => ({
    decode: (_uuid, bytes) => {
      const counter = bytes[0]!;
      if (counter % 3 === 0) {
        outcomes.threw++;
        throw new TypeError('Cannot read properties of undefined');
      }
      if (counter % 5 === 1) {
        outcomes.garbage++;
        return [{ kind: 'flaky.lactate', values: { lactateMmol: 400 } }];
      }
      outcomes.good++;
      return [{ kind: 'flaky.lactate', values: { lactateMmol: counter / 10 } }];
    },
  }),
  createSimulator: () => {
    let counter = 1;
    return {
      notify: () => {
        counter = (counter % 250) + 1;
        return [{ characteristic: LACTATE, bytes: Uint8Array.of(counter) }];
      },
    };
  },
  examples: [{ characteristic: LACTATE, hex: '14', samples: [{ kind: 'flaky.lactate', values: { lactateMmol: 2 } }] }],
};

describe('a faulty device plugin in the gateway', () => {
  const brokerUrl = useEmbeddedBroker();
  afterAll(() => {
    uninstallExtensionKinds('oxasense-smo2');
    uninstallExtensionKinds('flaky-lactate');
  });

  it('costs only its own bad notifications: the gateway, the strap and the good plugin go on, every good sample is stored', async () => {
    const profiles = InstalledProfiles.builtIn();
    expect(profiles.add(oxasense, 'oxasense')).not.toBeNull();
    expect(profiles.add(flaky, 'flaky')).not.toBeNull();
    outcomes.threw = outcomes.garbage = outcomes.good = 0;

    const url = brokerUrl();
    const dir = temporaryDir('sc-gw-plugin-');
    const room = new EmulatedRoom();
    const moment = (device: VirtualDevice): SimulatedMoment => ({
      timeMs: Date.now(),
      elapsedS: 60,
      intensity: 0.6,
      heartRateBpm: 131,
      restHrBpm: 55,
      maxHrBpm: 190,
      contact: true,
      batteryPercent: device.batteryPercent,
      random: () => 0.5,
    });
    const devices = (['heart_rate', 'oxasense-smo2', 'flaky-lactate'] as const).map((name) =>
      createVirtualDevice({ id: `${name}-1`, localName: name, profile: profiles.find(name)!, batteryPercent: 90, momentOf: moment }),
    );
    for (const device of devices) room.add(device.peripheral);
    const adapter = createEmulatedAdapter(room, { adapter: 'hci0', maxConnections: 5 });
    const ingest = await startCountingIngest(url);
    const gateway = new GatewayService(gatewayConfig({ MQTT_URL: url, GATEWAY_DATA_DIR: dir.path }), [adapter], testLogger, profiles);
    await gateway.start();
    const notifyAll = () => {
      for (const device of devices)
        for (const { characteristic, bytes } of device.simulator.notify(moment(device)))
          device.peripheral.notify(normalizeUuid(characteristic), bytes);
    };
    try {
      await waitFor(() => adapter.binding.connectedIds.length === 3, { what: 'all three devices connected', timeoutMs: 20_000 });
      for (let second = 0; second < 40; second++) {
        notifyAll();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      gateway.flushBatch();
      const delivered = (id: string) => adapter.binding.delivered.get(id) ?? 0;
      expect(outcomes.threw).toBeGreaterThan(5);
      expect(outcomes.garbage).toBeGreaterThan(3);
      expect(outcomes.threw + outcomes.garbage + outcomes.good).toBe(delivered('flaky-lactate-1'));

      // Each bad notification is a plugin fault, counted and dropped; the gateway is still up and holding all three.
      expect(gateway.centrals[0]!.stats.pluginFaults).toBe(outcomes.threw + outcomes.garbage);
      expect(adapter.binding.connectedIds.length).toBe(3);
      await waitFor(
        async () => (await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'heart_rate' })) === delivered('heart_rate-1'),
        {
          what: 'every heart-rate notification stored',
        },
      );
      expect(await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'oxasense.muscle_oxygen' })).toBe(
        delivered('oxasense-smo2-1'),
      );
      expect(await ingest.stores.timeSeries.countPoints({ club: 'demo', kind: 'flaky.lactate' })).toBe(outcomes.good);
      expect(ingest.stores.deadLetters.countByReason('demo')).toEqual({});

      const registry = new Registry();
      registerGatewayMetrics(registry, gateway);
      expect(await registry.metrics()).toMatch(new RegExp(`^sc_gateway_plugin_faults_total ${outcomes.threw + outcomes.garbage}$`, 'm'));
    } finally {
      await gateway.stop();
      await ingest.stop();
      dir.remove();
    }
  });
});
