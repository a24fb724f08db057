import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { connectedCount, startScenario } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a connect that never completes', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => void (broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: testLogger })));
  afterAll(async () => void (await broker?.close()));

  it('is cancelled after the timeout so it does not block the other straps, and retried with back-off', async () => {
    const scenario = await startScenario({ brokerUrl: `mqtt://127.0.0.1:${broker.port}`, straps: 4, gateway: { GATEWAY_CONNECT_TIMEOUT: 1000 } });
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
