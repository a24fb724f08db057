import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a strap walking out of range and back', () => {
  const brokerUrl = useEmbeddedBroker();

  it('is reconnected when it returns and everything it sent while linked is stored', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 3 });
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 3, { what: 'three straps connected' });
      const walker = scenario.lesson.straps[0]!;
      const delivered = () => scenario.adapters[0]!.binding.delivered.get(walker.id) ?? 0;
      await waitFor(() => delivered() > 3, { what: 'notifications before leaving' });
      scenario.room.walkOut(walker.id);
      await waitFor(() => connectedCount(scenario.gateway) === 2, { what: 'the link to drop' });
      const beforeReturn = delivered();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Out of range, nothing arrives from it.
      expect(delivered()).toBe(beforeReturn);
      scenario.room.walkIn(walker.id);
      await waitFor(() => connectedCount(scenario.gateway) === 3, { what: 'the strap to be reconnected', timeoutMs: 10_000 });
      await waitFor(() => delivered() > beforeReturn + 4, { what: 'notifications again' });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
      expect(await scenario.storedHeartRates(walker.id)).toBe(delivered());
    } finally {
      await scenario.stop();
    }
  });
});
