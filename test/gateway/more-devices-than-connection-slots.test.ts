import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { connectedCount, startScenario } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('more devices than connection slots', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => void (broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: testLogger })));
  afterAll(async () => void (await broker?.close()));

  it('fills the slots, asks the controller for no more, and gives a freed slot to a waiting strap', async () => {
    const scenario = await startScenario({
      brokerUrl: `mqtt://127.0.0.1:${broker.port}`,
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
      await waitFor(() => binding.connectedIds.length === 5 && !binding.connectedIds.includes(leaving), { what: 'a waiting strap took the slot', timeoutMs: 5000 });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });
});
