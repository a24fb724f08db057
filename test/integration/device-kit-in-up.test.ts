import { mkdirSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUpdate, ProfilesResponse } from '../../protocol/api.ts';
import type { ScenarioStatus } from '../../protocol/scenario.ts';
import { temporaryDir } from '../helpers/emulated-gateway.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { connectAsGateway, startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

// `up` with the example plugin and a broken one in DEVICE_PLUGINS: a plugin kind from MQTT to the store,
// the API and the live tiles; the simulator page's API with its role checks and its hostile inputs.

const EXAMPLES = join(process.cwd(), 'examples/device-plugins');

/** The first snapshot of a club's live stream. */
function liveSnapshot(url: string, cookie: string): Promise<LiveUpdate> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { cookie } }, (response: IncomingMessage) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const data = /event: snapshot\ndata: (.*)\n/.exec(text)?.[1];
        if (data) {
          response.destroy();
          resolve((JSON.parse(data) as { update: LiveUpdate }).update);
        }
      });
    }).on('error', reject);
  });
}

describe('device plugins and the simulator in up', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  const plugins = temporaryDir('sc-broken-plugins-');
  let coach: Record<string, string>;
  let otherCoach: Record<string, string>;
  let athlete: Record<string, string>;
  const now = () => Date.now();

  beforeAll(async () => {
    mkdirSync(join(plugins.path, 'half-written'));
    writeFileSync(join(plugins.path, 'half-written', 'index.mjs'), 'export default { name: "half", createDecoder: 3 };');
    stack = await startTestStack({ DEVICE_PLUGINS: `${EXAMPLES},${plugins.path}`, SIM_CLUBS: 'demo' });
    const { registry } = stack.stores;
    registry.upsertClub('demo', 'Demo Club');
    registry.upsertClub('rivals', 'Rivals');
    registry.upsertAthlete('demo', { id: 'giulia', name: 'Giulia', restHrBpm: 54, maxHrBpm: 189 });
    const headers = (cookie: string) => ({ cookie, origin: stack.apiUrl });
    coach = headers(sessionCookie(stack.stores, { membership: { club: 'demo', role: 'coach', athlete: null } }));
    otherCoach = headers(sessionCookie(stack.stores, { membership: { club: 'rivals', role: 'coach', athlete: null } }));
    athlete = headers(sessionCookie(stack.stores, { membership: { club: 'demo', role: 'athlete', athlete: 'giulia' } }));
  });
  afterAll(async () => {
    await stack?.dispose();
    plugins.remove();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('starts with the good plugin and without the broken one, and tells who is logged in which profiles it has', async () => {
    expect((await call('GET', '/api/v1/profiles', {})).status).toBe(401);
    const { profiles, kinds } = (await (await call('GET', '/api/v1/profiles', athlete)).json()) as ProfilesResponse;
    expect(profiles.map((profile) => profile.name)).toEqual([
      'heart_rate',
      'battery',
      'cycling_power',
      'cycling_speed_cadence',
      'running_speed_cadence',
      'fitness_machine',
      'oxasense-smo2',
    ]);
    expect(profiles.at(-1)).toMatchObject({ builtIn: false, simulated: true, kinds: ['oxasense.muscle_oxygen'] });
    expect(kinds).toEqual([
      expect.objectContaining({
        name: 'oxasense.muscle_oxygen',
        profile: 'oxasense-smo2',
        tile: ['smo2Percent'],
        chart: ['smo2Percent', 'thbGramsPerDecilitre'],
      }),
    ]);
  });

  it('registers a device under the plugin’s profile, and refuses a profile nobody installed', async () => {
    const created = await call('POST', '/api/v1/clubs/demo/devices', coach, {
      id: 'oxa-giulia',
      profile: 'oxasense-smo2',
      owner: 'giulia',
    });
    expect(created.status).toBe(201);
    const refused = await call('POST', '/api/v1/clubs/demo/devices', coach, { id: 'oxa-2', profile: 'acme-lactate' });
    expect(refused.status).toBe(400);
    expect((await refused.json()).message).toContain('neither a built-in one nor an installed device plugin');
  });

  it('stores the plugin’s kind, serves its history, shows it on the tile, and dead-letters a kind nobody installed', async () => {
    const gateway = await connectAsGateway(stack, 'demo', 'gw-1');
    // From now on: the device is paired with Giulia since it was registered, a moment ago.
    const start = now();
    const samples = [0, 1, 2, 3].map((second) => ({
      device: 'oxa-giulia',
      timeMs: start + second * 1000,
      kind: 'oxasense.muscle_oxygen',
      values: { smo2Percent: 70 - second * 5, thbGramsPerDecilitre: 12.5 },
    }));
    await gateway.publishAsync('sc/v1/demo/gw-1/telemetry', JSON.stringify({ v: 1, gateway: 'gw-1', seq: 1, sentAtMs: now(), samples }), {
      qos: 1,
    });
    // A plugin sample nobody installed here, in a message with a strap's heart rate: only the stranger is refused.
    const stranger = { device: 'lac-1', timeMs: start, kind: 'acme.lactate', values: { lactateMmol: 4 } };
    const heart = { device: 'hrm-x', timeMs: start, kind: 'heart_rate', values: { heartRateBpm: 133 } };
    await gateway.publishAsync(
      'sc/v1/demo/gw-1/telemetry',
      JSON.stringify({ v: 1, gateway: 'gw-1', seq: 2, sentAtMs: now(), samples: [heart, stranger] }),
      { qos: 1 },
    );
    await gateway.endAsync();
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'demo', kind: 'oxasense.muscle_oxygen' })) === 4, {
      what: 'four SmO2 samples stored',
    });
    await waitFor(() => stack.stores.deadLetters.countByReason('demo').unknown_kind === 1, { what: 'the stranger dead-lettered' });
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'demo', device: 'hrm-x' })) === 1, {
      what: 'its neighbour stored',
    });
    const [letter] = stack.stores.deadLetters.list({ limit: 10, club: 'demo' });
    expect(JSON.parse(letter!.payload.toString()).samples).toEqual([stranger]);

    const history = (field: string, kind = 'oxasense.muscle_oxygen') =>
      call(
        'GET',
        `/api/v1/clubs/demo/athletes/giulia/history?kind=${kind}&field=${field}&fromMs=${start - 1000}&toMs=${start + 9000}&bucket=10s`,
        athlete,
      );
    const smo2 = await (await history('smo2Percent')).json();
    expect(smo2).toMatchObject({ kind: 'oxasense.muscle_oxygen', field: 'smo2Percent' });
    const present = <T>(values: (T | null)[]) => values.filter((value): value is T => value !== null);
    expect(smo2.count.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect([Math.min(...present<number>(smo2.min)), Math.max(...present<number>(smo2.max))]).toEqual([55, 70]);
    const wrongField = await history('heartRateBpm');
    expect(wrongField.status).toBe(400);
    expect((await wrongField.json()).message).toContain('use one of smo2Percent, thbGramsPerDecilitre');
    expect((await history('lactateMmol', 'acme.lactate')).status).toBe(400);

    const update = await liveSnapshot(`${stack.apiUrl}/api/v1/clubs/demo/live`, coach.cookie!);
    expect(update.athletes.find((tile) => tile.id === 'giulia')?.metrics).toEqual([
      { kind: 'oxasense.muscle_oxygen', field: 'smo2Percent', label: 'SmO₂', unit: '%', value: 55 },
    ]);
  });

  it('lets a demo club’s staff play a scenario, add a device, inject a fault and stop it; nobody else', async () => {
    // Who may: staff of a club SIM_CLUBS names.
    expect((await call('GET', '/api/v1/clubs/demo/simulator/scenarios', {})).status).toBe(401);
    expect((await call('GET', '/api/v1/clubs/demo/simulator/scenarios', athlete)).status).toBe(403);
    expect((await call('GET', '/api/v1/clubs/demo/simulator', athlete)).status).toBe(403);
    expect((await call('GET', '/api/v1/clubs/demo/simulator', otherCoach)).status).toBe(404);
    const rivals = headersOf(sessionCookie(stack.stores, { membership: { club: 'rivals', role: 'admin', athlete: null } }));
    const notDemo = await call('POST', '/api/v1/clubs/rivals/simulator/start', rivals, { scenario: 'hiit-with-faults' });
    expect(notDemo.status).toBe(403);
    expect((await notDemo.json()).message).toContain('SIM_CLUBS');

    const { scenarios } = await (await call('GET', '/api/v1/clubs/demo/simulator/scenarios', coach)).json();
    expect(scenarios.map((scenario: { id: string; error: string | null }) => [scenario.id, scenario.error])).toEqual([
      ['hiit-with-faults', null],
      ['muscle-oxygen-demo', null],
    ]);
    // Hostile or wrong input: a path instead of a name, a scenario that does not exist, unknown fields.
    for (const scenario of ['../../etc/passwd', 'a'.repeat(200), '']) {
      expect((await call('POST', '/api/v1/clubs/demo/simulator/start', coach, { scenario })).status).toBe(400);
    }
    expect((await call('POST', '/api/v1/clubs/demo/simulator/start', coach, { scenario: 'hiit-with-faults', speed: 1000 })).status).toBe(
      400,
    );
    const missing = await call('POST', '/api/v1/clubs/demo/simulator/start', coach, { scenario: 'no-such-scenario' });
    expect(missing.status).toBe(409);
    expect((await missing.json()).message).toBe('no scenario "no-such-scenario"');

    const started = await call('POST', '/api/v1/clubs/demo/simulator/start', coach, { scenario: 'muscle-oxygen-demo' });
    expect(started.status).toBe(200);
    expect(((await started.json()).running as ScenarioStatus).athletes.map((one) => one.name)).toEqual(['Giulia', 'Hugo', 'Ines', 'Jonas']);
    expect((await call('POST', '/api/v1/clubs/demo/simulator/start', coach, { scenario: 'hiit-with-faults' })).status).toBe(409);

    const added = await call('POST', '/api/v1/clubs/demo/simulator/devices', coach, { profile: 'cycling_power', athlete: 'Hugo' });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ device: 'sim-hugo-cycling_power' });
    expect((await call('POST', '/api/v1/clubs/demo/simulator/devices', coach, { profile: 'acme-lactate' })).status).toBe(409);
    expect((await call('POST', '/api/v1/clubs/demo/simulator/devices', coach, { profile: 'battery' })).status).toBe(409);
    expect(
      (await call('POST', '/api/v1/clubs/demo/simulator/faults', coach, { type: 'dropout', athlete: 'Nobody', durationS: 10 })).status,
    ).toBe(409);
    expect((await call('POST', '/api/v1/clubs/demo/simulator/faults', coach, { type: 'meltdown' })).status).toBe(400);
    const fault = await call('POST', '/api/v1/clubs/demo/simulator/faults', coach, {
      type: 'low_battery',
      athlete: 'Ines',
      batteryPercent: 3,
    });
    const status = (await fault.json()).running as ScenarioStatus;
    expect(status.athletes.find((one) => one.name === 'Ines')?.devices.map((device) => device.batteryPercent)).toEqual([3, 3]);
    expect(status.events.at(-1)).toContain("low battery: Ines's devices at 3 %");

    // The scenario's athletes are on the club's roster, wearing their devices: their tiles show SmO2 by name.
    await waitFor(
      async () => {
        const tiles = (await liveSnapshot(`${stack.apiUrl}/api/v1/clubs/demo/live`, coach.cookie!)).athletes;
        return ['sim-giulia', 'sim-hugo', 'sim-ines', 'sim-jonas'].every(
          (id) => tiles.find((tile) => tile.id === id)?.metrics.length === 1,
        );
      },
      { what: 'SmO2 on the scenario athletes’ tiles', timeoutMs: 20_000 },
    );
    // The real Giulia of the club is left as she was: the scenario's Giulia is a member of her own.
    expect(stack.stores.registry.getAthlete('demo', 'giulia', Date.now())).toMatchObject({
      name: 'Giulia',
      restHrBpm: 54,
      devices: ['oxa-giulia'],
    });
    expect((await (await call('POST', '/api/v1/clubs/demo/simulator/stop', coach)).json()).stopped).toBe(true);
    expect((await (await call('GET', '/api/v1/clubs/demo/simulator', coach)).json()).running).toBeNull();
  });

  function headersOf(cookie: string): Record<string, string> {
    return { cookie, origin: stack.apiUrl };
  }
});
