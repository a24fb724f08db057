import { describe, expect, it } from 'vitest';
import { encodeHeartRateMeasurement } from '../../protocol/gatt/heart-rate.ts';
import { GATT } from '../../protocol/gatt/uuids.ts';
import { VirtualPeripheral } from '../../simulators/emulated-ble/virtual-peripheral.ts';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a wearable broadcasting its heart rate in advertising data', () => {
  const brokerUrl = useEmbeddedBroker();

  it('is read without connecting, at most once a second, beside a connected strap', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 1 });
    let bpm = 100;
    const ticker = setInterval(() => bpm++, 1000);
    scenario.room.add(
      new VirtualPeripheral({
        id: 'wristband-1',
        address: 'wristband-1',
        localName: 'Band',
        services: [],
        advertisedServices: [],
        connectable: false,
        serviceData: () => [
          { uuid: GATT.heartRateService, data: Buffer.from(encodeHeartRateMeasurement({ heartRateBpm: bpm, sensorContact: 'detected' })) },
        ],
      }),
    );
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 1, { what: 'the strap connected' });
      await waitFor(async () => (await scenario.storedHeartRates('wristband-1')) >= 4, {
        what: 'broadcast heart rates stored',
        timeoutMs: 10_000,
      });
      clearInterval(ticker);
      const stored = await scenario.storedHeartRates('wristband-1');
      const rows = scenario.ingest.stores.db
        .prepare("SELECT time_ms, fields FROM samples WHERE device_id = 'wristband-1' ORDER BY time_ms")
        .all() as { time_ms: number; fields: string }[];
      // One per second at most, although it advertises four times a second.
      for (const [i, row] of rows.slice(1).entries()) expect(row.time_ms - rows[i]!.time_ms).toBeGreaterThanOrEqual(900);
      expect(JSON.parse(rows.at(-1)!.fields).heartRateBpm).toBeGreaterThan(100);
      expect(stored).toBe(rows.length);
      expect(binding.stats.connectAttempts).toBe(1); // the strap only
    } finally {
      clearInterval(ticker);
      await scenario.stop();
    }
  });
});
