import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('more devices than connection slots', () => {
  const brokerUrl = useEmbeddedBroker();

  it('fills the slots, asks the controller for no more, and gives a freed slot to a waiting strap', async () => {
    const scenario = await startScenario({
      brokerUrl: brokerUrl(),
      straps: 8,
      adapters: [{ adapter: 'hci0', maxConnections: 5 }],
      gateway: { GATEWAY_MAX_CONNECTIONS: 5 },
    });
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 5, { what: 'five slots used' });
      const attempts = binding.stats.connectAttempts;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(connectedCount(scenario.gateway)).toBe(5);
      expect(binding.stats.connectAttempts).toBe(attempts); // no hammering of a full controller
      const leaving = binding.connectedIds[0]!;
      scenario.room.walkOut(leaving);
      await waitFor(() => binding.connectedIds.length === 5 && !binding.connectedIds.includes(leaving), {
        what: 'a waiting strap took the slot',
        timeoutMs: 5000,
      });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });
});
