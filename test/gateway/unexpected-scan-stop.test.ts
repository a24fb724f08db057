import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('an unexpected scanStop', () => {
  const brokerUrl = useEmbeddedBroker();

  it('restarts scanning, so a strap that arrives afterwards is still found', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 2 });
    const latecomer = scenario.lesson.straps[1]!;
    scenario.room.walkOut(latecomer.id);
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 1, { what: 'the first strap connected' });
      const scansBefore = binding.stats.startScans;
      binding.interruptScan();
      await waitFor(() => binding.stats.startScans > scansBefore, { what: 'scanning restarted', timeoutMs: 5000 });
      expect(scenario.gateway.centrals[0]!.stats.scanRestarts).toBe(1);
      scenario.room.walkIn(latecomer.id);
      await waitFor(() => connectedCount(scenario.gateway) === 2, { what: 'the latecomer connected', timeoutMs: 5000 });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });

  it('restarts the scan once when the controller stops it twice in a row', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 1 });
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 1, { what: 'the strap connected' });
      const scansBefore = binding.stats.startScans;
      binding.interruptScan();
      binding.interruptScan();
      await waitFor(() => scenario.gateway.centrals[0]!.stats.scanRestarts === 2, { what: 'both stops seen' });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(binding.stats.startScans - scansBefore).toBe(1);
    } finally {
      await scenario.stop();
    }
  });
});
