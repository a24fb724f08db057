import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookie } from '../helpers/sessions.ts';
import { startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('up --via-ble', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack({ SIM_ATHLETES: '6', SIM_VIA_BLE: 'true' });
  });
  afterAll(async () => void (await stack?.dispose()));

  it('runs the simulated class through the gateway, noble and the emulated radio into the store and the live view', async () => {
    await waitFor(
      async () => {
        for (let n = 1; n <= 6; n++)
          if ((await stack.stores.timeSeries.countPoints({ club: 'demo', athlete: `member-00${n}`, kind: 'heart_rate' })) < 3) return false;
        return true;
      },
      { what: 'heart rates of all six members stored', timeoutMs: 20_000 },
    );
    // Battery comes from a GATT read, which only the BLE path does.
    expect(await stack.stores.timeSeries.countPoints({ club: 'demo', kind: 'battery' })).toBeGreaterThanOrEqual(6);
    // The demo coach (created by up) sees the club's straps.
    const coach = sessionCookie(stack.stores, { membership: { club: 'demo', role: 'coach', athlete: null } });
    const devices = await (await fetch(`${stack.apiUrl}/api/v1/clubs/demo/devices`, { headers: { cookie: coach } })).json();
    expect(devices.devices).toHaveLength(6);
    expect(stack.demoLogins.map((login) => login.role).sort()).toEqual(['athlete', 'coach']);
  });
});
