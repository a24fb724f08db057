import { describe, expect, it } from 'vitest';
import { connectedCount, startScenario, useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a connect that never completes', () => {
  const brokerUrl = useEmbeddedBroker();

  it('is cancelled after the timeout so it does not block the other straps, and retried with back-off', async () => {
    const scenario = await startScenario({ brokerUrl: brokerUrl(), straps: 4, gateway: { GATEWAY_CONNECT_TIMEOUT: 1000 } });
    const silent = scenario.lesson.straps[0]!;
    silent.behaviour = 'never-connects';
    const binding = scenario.adapters[0]!.binding;
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 3, { what: 'the other three connected', timeoutMs: 10_000 });
      expect(binding.stats.cancelConnects).toBeGreaterThanOrEqual(1);
      const attemptsSoFar = binding.stats.cancelConnects;
      await new Promise((resolve) => setTimeout(resolve, 4000));
      // Retried, but with back-off: not once per advertisement (16 per 4 s at this interval).
      expect(binding.stats.cancelConnects - attemptsSoFar).toBeLessThanOrEqual(3);
      expect(await scenario.settle()).toBe(await scenario.storedHeartRates());
    } finally {
      await scenario.stop();
    }
  });
});
