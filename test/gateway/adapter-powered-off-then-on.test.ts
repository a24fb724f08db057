import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { connectedCount, startScenario } from '../helpers/emulated-gateway.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('the adapter powered off then on', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => void (broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', logger: testLogger })));
  afterAll(async () => void (await broker?.close()));

  it('lets the links go while off and reconnects every strap when it is back', async () => {
    const scenario = await startScenario({ brokerUrl: `mqtt://127.0.0.1:${broker.port}`, straps: 5 });
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
