import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('the adapter powered off then on', () => {
  const brokerUrl = useEmbeddedBroker();

  it('lets the links go while off and reconnects every strap when it is back', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 5 });
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 5, { what: 'five straps connected' });
      binding.powerOff();
      await waitFor(() => connectedCount(scenario.gateway) === 0, { what: 'links gone' });
      const deliveredWhileOff = [...binding.delivered.values()].reduce((a, b) => a + b, 0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect([...binding.delivered.values()].reduce((a, b) => a + b, 0)).toBe(deliveredWhileOff);
      binding.powerOn();
      await waitFor(() => connectedCount(scenario.gateway) === 5, { what: 'five straps back', timeoutMs: 15_000 });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });
});
