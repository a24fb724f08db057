import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLUB } from '../../cli/seed-demo-club.ts';
import { connectedCount, startScenario } from '../helpers/emulated-gateway.ts';
import { gatewayUrl, ingestUrl, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a gateway told to hold only paired devices', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => void (await stack?.dispose()));

  it('connects to the straps paired to members of its club and leaves a visitor’s strap alone', async () => {
    const registry = stack.stores.registry;
    registry.upsertClub(DEMO_CLUB, 'Demo');
    registry.upsertMember(DEMO_CLUB, { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    registry.upsertMember(DEMO_CLUB, { id: 'bob', name: 'Bob', restHrBpm: 55, maxHrBpm: 180 });
    for (const [device, member] of [
      ['sim-hrm-001', 'ann'],
      ['sim-hrm-002', 'bob'],
    ] as const) {
      registry.createDevice(DEMO_CLUB, { id: device, profile: 'heart_rate', owner: member }, 0);
    }
    const scenario = await startScenario({
      // Logged in as gateway gw-1 of the demo club: the API knows it by the same credentials.
      brokerUrl: gatewayUrl(stack, DEMO_CLUB, 'gw-1'),
      ingestBrokerUrl: ingestUrl(stack),
      straps: 3,
      gateway: { GATEWAY_DEVICES: 'paired', GATEWAY_API_URL: stack.apiUrl },
    });
    try {
      await waitFor(() => connectedCount(scenario.gateway) === 2, { what: 'the two paired straps connected' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(scenario.adapters[0]!.binding.connectedIds.sort()).toEqual(['sim-hrm-001', 'sim-hrm-002']);
      expect(scenario.adapters[0]!.binding.stats.connectAttempts).toBe(2);
    } finally {
      await scenario.stop();
    }
  });
});
