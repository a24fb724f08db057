import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a device that disconnects mid-discovery', () => {
  const brokerUrl = useEmbeddedBroker();

  it('does not hang the gateway: the others connect, and it does too once it behaves', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 4, gateway: { GATEWAY_CONNECT_TIMEOUT: 30_000 } });
    const flaky = scenario.lesson.straps[0]!;
    flaky.behaviour = 'drops-during-discovery';
    try {
      // Even with a 30 s discovery timeout, a dropped link ends the set-up at once.
      await waitFor(() => connectedCount(scenario.gateway) === 3, { what: 'the other three connected', timeoutMs: 5000 });
      await waitFor(() => scenario.gateway.centrals[0]!.stats.setupFailures >= 2, { what: 'retries of the flaky one', timeoutMs: 10_000 });
      expect(scenario.adapters[0]!.binding.delivered.get(flaky.id) ?? 0).toBe(0);
      flaky.behaviour = 'normal';
      await waitFor(() => connectedCount(scenario.gateway) === 4, { what: 'the flaky one connected at last', timeoutMs: 15_000 });
      await waitFor(() => (scenario.adapters[0]!.binding.delivered.get(flaky.id) ?? 0) > 2, { what: 'its notifications' });
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });
});
