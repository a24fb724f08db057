import mqtt from 'mqtt';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import oxasense from '../../examples/device-plugins/oxasense-smo2/index.ts';
import { uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { InstalledProfiles } from '../../protocol/device-kit/installed-profiles.ts';
import type { DevicesMessage } from '../../protocol/mqtt/gateway-state.ts';
import type { TelemetryMessage } from '../../protocol/mqtt/telemetry.ts';
import { buildDevicesTopic, buildTelemetryTopic } from '../../protocol/mqtt/topics.ts';
import type { NearbyDevice } from '../../protocol/roster.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';
import { useEmbeddedBroker } from '../helpers/emulated-gateway.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The three pairing flows and sessions through the API, with a real (embedded) broker carrying what the
// gateways hear to the live view, and samples in the store as ingest writes them (under the device).

const WALK_IN = 'C0:FF:EE:00:00:01';

describe('pairing and session routes', () => {
  const brokerUrl = useEmbeddedBroker();
  let stores: Stores;
  let live: LiveHub;
  let app: Api;
  let gateway: mqtt.MqttClient;
  let sequence = 0;
  const as = {} as Record<'admin' | 'coach' | 'ann' | 'bob' | 'cleo' | 'otherClubCoach', string>;
  const call = (who: keyof typeof as, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1/clubs/riverside${url}`, headers: { cookie: as[who] }, ...(payload ? { payload } : {}) });
  /** Heart-rate samples stored under the device (ingest also tags the wearer at arrival; history reads the pairing log, not the tag). */
  const stored = (device: string, times: number[], bpm = 120) =>
    stores.timeSeries.writePoints(
      times.map(
        (timeMs): StoredPoint => ({ club: 'riverside', device, athlete: null, kind: 'heart_rate', timeMs, fields: { heartRateBpm: bpm } }),
      ),
    );
  /** What a gateway publishes: the devices it hears (with signal strength) and their telemetry. */
  const gatewayHears = async (device: string, bpm: number, rssiDbm: number) => {
    const nowMs = Date.now();
    const devices: DevicesMessage = {
      v: 1,
      gateway: 'gw-hall',
      atMs: nowMs,
      devices: [{ id: device, rssiDbm, connected: false, lastSeenMs: nowMs }],
    };
    const telemetry: TelemetryMessage = {
      v: 1,
      gateway: 'gw-hall',
      seq: ++sequence,
      sentAtMs: nowMs,
      samples: [{ device, timeMs: nowMs, kind: 'heart_rate', values: { heartRateBpm: bpm } }],
    };
    await gateway.publishAsync(buildDevicesTopic('riverside', 'gw-hall'), JSON.stringify(devices), { qos: 1 });
    await gateway.publishAsync(buildTelemetryTopic('riverside', 'gw-hall'), JSON.stringify(telemetry), { qos: 1 });
  };

  beforeAll(async () => {
    stores = await openTestStores();
    const { registry } = stores;
    registry.upsertClub('riverside', 'Riverside Rowing');
    registry.upsertClub('hilltop', 'Hilltop Harriers');
    for (const [id, name] of [
      ['ann', 'Ann'],
      ['bob', 'Bob'],
      ['cleo', 'Cleo'],
    ] as const)
      registry.createAthlete('riverside', { id, name });
    registry.createDevice('riverside', { id: 'belt-1', profile: 'heart_rate', label: 'Belt 1' });
    registry.createDevice('riverside', { id: 'belt-2', profile: 'heart_rate', label: 'Belt 2' });
    registry.createDevice('riverside', { id: 'hrm-bob', profile: 'heart_rate', owner: 'bob' });
    live = new LiveHub({ brokerUrl: brokerUrl(), registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000, tickMs: 100 });
    await live.start();
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    as.admin = sessionCookie(stores, { membership: { club: 'riverside', role: 'admin', athlete: null } });
    as.coach = sessionCookie(stores, { membership: { club: 'riverside', role: 'coach', athlete: null } });
    for (const athlete of ['ann', 'bob', 'cleo'] as const)
      as[athlete] = sessionCookie(stores, { membership: { club: 'riverside', role: 'athlete', athlete } });
    as.otherClubCoach = sessionCookie(stores, { membership: { club: 'hilltop', role: 'coach', athlete: null } });
    gateway = await mqtt.connectAsync(brokerUrl(), { clientId: 'gw-hall-test' });
  });
  afterAll(async () => {
    await gateway?.endAsync();
    await app?.close();
    await live?.stop();
    await stores?.close();
  });

  describe('walk-in', () => {
    it('lists the devices nearby that nobody wears, with heart rate and signal, strongest first', async () => {
      await gatewayHears(WALK_IN, 97, -48);
      await gatewayHears('belt-2', 88, -70);
      await gatewayHears('hrm-bob', 110, -40); // Bob's own strap: worn, so not offered
      const nearby = await waitFor(async () => {
        const devices = (await call('coach', 'GET', '/nearby-devices')).json().devices;
        // Both messages of both devices have arrived (the devices list and the telemetry travel separately).
        const complete =
          devices.length >= 2 && devices.every((device: NearbyDevice) => device.rssiDbm !== null && device.heartRateBpm !== null);
        return complete ? devices : null;
      });
      expect(nearby).toEqual([
        expect.objectContaining({ id: WALK_IN, heartRateBpm: 97, rssiDbm: -48, known: false, unpairedSinceMs: expect.any(Number) }),
        expect.objectContaining({ id: 'belt-2', heartRateBpm: 88, rssiDbm: -70, known: true }),
      ]);
    });

    it('is staff’s screen', async () => {
      expect((await call('ann', 'GET', '/nearby-devices')).statusCode).toBe(403);
      expect((await call('otherClubCoach', 'GET', '/nearby-devices')).statusCode).toBe(404);
    });

    it('pairs a strap the club does not know: it becomes the athlete’s own, with the samples sent before (late attachment)', async () => {
      const offered = (await call('coach', 'GET', '/nearby-devices'))
        .json()
        .devices.find((device: { id: string }) => device.id === WALK_IN);
      const since = offered.unpairedSinceMs as number;
      // Ingest stored what the strap sent before anyone paired it, under the device.
      await stored(WALK_IN, [since, since + 1000, since + 2000], 97);
      const response = await call('coach', 'POST', '/pairings', { device: WALK_IN, athlete: 'cleo', fromMs: since });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({ id: `${WALK_IN}@${since}`, device: WALK_IN, athlete: 'cleo', fromMs: since, toMs: null });
      expect((await call('coach', 'GET', `/devices/${WALK_IN}`)).json()).toMatchObject({ owner: 'cleo', athlete: 'cleo' });
      const history = await call('cleo', 'GET', `/athletes/cleo/history?fromMs=${since - 60_000}&toMs=${since + 60_000}&bucket=2m`);
      expect(history.json().count.reduce((sum: number, count: number) => sum + count, 0)).toBe(3);
      const nearby = (await call('coach', 'GET', '/nearby-devices')).json().devices.map((device: { id: string }) => device.id);
      expect(nearby).not.toContain(WALK_IN);
    });
  });

  it('registers a walk-in’s device as what it was heard sending: a device plugin’s sensor under its profile', async () => {
    InstalledProfiles.builtIn().add(oxasense, 'examples/device-plugins/oxasense-smo2');
    try {
      const sensor = 'oxa-walk-in';
      const nowMs = Date.now();
      const telemetry = {
        v: 1,
        gateway: 'gw-hall',
        seq: ++sequence,
        sentAtMs: nowMs,
        samples: [{ device: sensor, timeMs: nowMs, kind: 'oxasense.muscle_oxygen', values: { smo2Percent: 64 } }],
      };
      await gateway.publishAsync(buildTelemetryTopic('riverside', 'gw-hall'), JSON.stringify(telemetry), { qos: 1 });
      await waitFor(() => live.kindHeard('riverside', sensor) !== null, { what: 'the sensor heard' });
      expect((await call('coach', 'POST', '/pairings', { device: sensor, athlete: 'ann' })).statusCode).toBe(201);
      expect((await call('coach', 'GET', `/devices/${sensor}`)).json()).toMatchObject({ profile: 'oxasense-smo2', owner: 'ann' });
      // A strap heard sending heart rate stays a heart-rate device.
      expect((await call('coach', 'GET', `/devices/${WALK_IN}`)).json()).toMatchObject({ profile: 'heart_rate' });
    } finally {
      uninstallExtensionKinds('oxasense-smo2');
    }
  });

  describe('pool belts at check-in', () => {
    it('pair a belt with an athlete from now on, and refuse what cannot be', async () => {
      const response = await call('coach', 'POST', '/pairings', { device: 'belt-1', athlete: 'ann' });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ device: 'belt-1', athlete: 'ann', toMs: null });
      expect((await call('coach', 'GET', '/devices/belt-1')).json()).toMatchObject({ owner: null, athlete: 'ann' });

      const future = await call('coach', 'POST', '/pairings', { device: 'belt-2', athlete: 'ann', fromMs: Date.now() + 3_600_000 });
      expect(future.statusCode).toBe(400);
      expect((await call('coach', 'POST', '/pairings', { device: 'belt-2', athlete: 'nobody' })).statusCode).toBe(404);
      // Backdating over Ann's wear would hand her samples to Bob.
      const overAnn = await call('coach', 'POST', '/pairings', { device: 'belt-1', athlete: 'bob', fromMs: Date.now() - 60_000 });
      expect(overAnn.statusCode).toBe(409);
      expect(overAnn.json().message).toMatch(/worn by "ann"/);
    });

    it('leave an athlete’s own strap theirs, and attach samples of the day only', async () => {
      const taken = await call('coach', 'POST', '/pairings', { device: 'hrm-bob', athlete: 'ann' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().message).toMatch(/"bob"’s own/);
      expect((await call('coach', 'DELETE', '/pairings/hrm-bob')).statusCode).toBe(409);
      expect(stores.registry.getDevice('riverside', 'hrm-bob')!.athlete).toBe('bob');
      const longAgo = await call('coach', 'POST', '/pairings', { device: 'belt-2', athlete: 'ann', fromMs: Date.now() - 25 * 3_600_000 });
      expect(longAgo.statusCode).toBe(400);
      expect(longAgo.json().message).toMatch(/more than a day ago/);
    });

    it('register a walk-in’s strap only when the pairing itself is accepted', async () => {
      // A strap removed from the roster, whose log still says Bob wore it an hour ago.
      stores.registry.createDevice('riverside', { id: 'old-strap', profile: 'heart_rate' }, Date.now() - 3_600_000);
      stores.registry.pairDevice('riverside', 'old-strap', 'bob', Date.now() - 3_600_000);
      stores.registry.deleteDevice('riverside', 'old-strap');
      const claim = await call('coach', 'POST', '/pairings', { device: 'old-strap', athlete: 'cleo', fromMs: Date.now() - 7_200_000 });
      expect(claim.statusCode).toBe(409);
      expect(stores.registry.hasDevice('riverside', 'old-strap')).toBe(false);
    });

    it('are staff’s to hand out', async () => {
      expect((await call('ann', 'POST', '/pairings', { device: 'belt-2', athlete: 'ann' })).statusCode).toBe(403);
      expect((await call('otherClubCoach', 'POST', '/pairings', { device: 'belt-2', athlete: 'ann' })).statusCode).toBe(404);
      expect((await call('ann', 'GET', `/pairings?fromMs=${Date.now() - 3_600_000}&toMs=${Date.now()}`)).statusCode).toBe(403);
      expect((await call('ann', 'DELETE', '/pairings/belt-1')).statusCode).toBe(403);
      expect(stores.registry.getDevice('riverside', 'belt-2')!.athlete).toBeNull();
    });

    it('keep the loaner log: who wore which belt when', async () => {
      const checkedIn = Date.now();
      expect((await call('coach', 'DELETE', '/pairings/belt-1')).statusCode).toBe(204);
      expect((await call('coach', 'DELETE', '/pairings/belt-1')).statusCode).toBe(404);
      expect((await call('coach', 'POST', '/pairings', { device: 'belt-1', athlete: 'bob' })).statusCode).toBe(201);
      const log = (await call('coach', 'GET', `/pairings?fromMs=${checkedIn - 60_000}&toMs=${Date.now() + 1}`)).json().pairings;
      const belt1 = log.filter((pairing: { device: string }) => pairing.device === 'belt-1');
      expect(belt1).toEqual([
        expect.objectContaining({ athlete: 'ann', toMs: expect.any(Number) }),
        expect.objectContaining({ athlete: 'bob', toMs: null }),
      ]);
      expect(belt1[0].toMs).toBeLessThanOrEqual(belt1[1].fromMs);
      expect((await call('coach', 'GET', '/pairings?fromMs=10&toMs=5')).statusCode).toBe(400);
      expect((await call('coach', 'GET', `/pairings?fromMs=0&toMs=${Date.now()}`)).json().message).toMatch(/31 days/);
      await call('coach', 'DELETE', '/pairings/belt-1');
    });
  });

  describe('sessions', () => {
    let session = '';

    it('groups are kept by staff', async () => {
      const created = await call('coach', 'POST', '/groups', { id: 'masters', name: 'Masters', athletes: ['ann', 'bob'] });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ id: 'masters', name: 'Masters', athletes: ['ann', 'bob'] });
      expect((await call('coach', 'POST', '/groups', { id: 'masters', name: 'Again' })).statusCode).toBe(409);
      expect((await call('coach', 'POST', '/groups', { id: 'ghosts', name: 'Ghosts', athletes: ['casper'] })).statusCode).toBe(404);
      expect((await call('coach', 'PATCH', '/groups/masters', { athletes: ['ann', 'bob', 'cleo'] })).json().athletes).toEqual([
        'ann',
        'bob',
        'cleo',
      ]);
      expect((await call('ann', 'GET', '/groups')).statusCode).toBe(403);
      expect((await call('coach', 'GET', '/groups')).json().groups).toHaveLength(1);
      await call('coach', 'POST', '/groups', { id: 'juniors', name: 'Juniors' });
      expect((await call('coach', 'DELETE', '/groups/juniors')).statusCode).toBe(204);
      expect((await call('coach', 'GET', '/groups/juniors')).statusCode).toBe(404);
    });

    it('start now, with the coach who started it and the group', async () => {
      const before = Date.now();
      const response = await call('coach', 'POST', '/sessions', { title: 'Tuesday intervals', group: 'masters' });
      expect(response.statusCode).toBe(201);
      session = response.json().id;
      expect(response.json()).toMatchObject({ title: 'Tuesday intervals', group: 'masters', stopMs: null, participants: [] });
      expect(response.json().startMs).toBeGreaterThanOrEqual(before);
      expect(response.json().coach).toEqual(expect.any(String));
      expect(response.json().coachName).toMatch(/^Person \d+$/);
      // One at a time: stopping a session hands every pool belt back.
      const second = await call('coach', 'POST', '/sessions', { title: 'Another one' });
      expect(second.statusCode).toBe(409);
      expect(second.json().message).toMatch(/running already/);
      expect((await call('coach', 'POST', '/sessions', { title: 'x', group: 'nope' })).statusCode).toBe(404);
      expect((await call('ann', 'POST', '/sessions', { title: 'My own' })).statusCode).toBe(403);
    });

    it('show who takes part: athletes whose paired devices send samples, late joiners with their first sample', async () => {
      const startMs = (await call('coach', 'GET', `/sessions/${session}`)).json().startMs as number;
      await new Promise((resolve) => setTimeout(resolve, 60)); // the samples below are in the past
      // Ann checks in a pool belt and starts at once; Bob's own strap starts sending later; Cleo stays home.
      expect((await call('coach', 'POST', '/pairings', { device: 'belt-2', athlete: 'ann', fromMs: startMs })).statusCode).toBe(201);
      await stored('belt-2', [startMs + 5, startMs + 10]);
      await stored('hrm-bob', [startMs - 120_000]); // his warm-up at home: before the session
      await stored('hrm-bob', [startMs + 30, startMs + 40]);
      const running = (await call('coach', 'GET', `/sessions/${session}`)).json();
      expect(running.participants).toEqual([
        { athlete: 'ann', joinedMs: startMs + 5 },
        { athlete: 'bob', joinedMs: startMs + 30 },
      ]);
    });

    it('stop: participants and time range frozen, pool belts back in the pool, own straps still their owner’s', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // past the samples' times
      expect((await call('ann', 'POST', `/sessions/${session}/stop`)).statusCode).toBe(403);
      const stopped = await call('coach', 'POST', `/sessions/${session}/stop`);
      expect(stopped.statusCode).toBe(200);
      const frozen = stopped.json();
      expect(frozen.stopMs).toEqual(expect.any(Number));
      expect(frozen.participants.map((participant: { athlete: string }) => participant.athlete)).toEqual(['ann', 'bob']);
      expect((await call('coach', 'GET', '/devices/belt-2')).json().athlete).toBeNull();
      expect((await call('coach', 'GET', '/devices/hrm-bob')).json().athlete).toBe('bob');
      // Samples after the stop do not change the report's participants.
      await stored('hrm-bob', [frozen.stopMs + 5]);
      expect((await call('coach', 'GET', `/sessions/${session}`)).json()).toEqual(frozen);
      const again = await call('coach', 'POST', `/sessions/${session}/stop`);
      expect(again.statusCode).toBe(409);
    });

    it('are shown to the athletes who took part, and only to them', async () => {
      expect((await call('ann', 'GET', '/sessions')).json().sessions.map((one: { id: string }) => one.id)).toEqual([session]);
      expect((await call('ann', 'GET', `/sessions/${session}`)).statusCode).toBe(200);
      expect((await call('cleo', 'GET', '/sessions')).json().sessions).toEqual([]);
      expect((await call('cleo', 'GET', `/sessions/${session}`)).statusCode).toBe(404);
      expect((await call('otherClubCoach', 'GET', `/sessions/${session}`)).statusCode).toBe(404);
    });

    it('gain a walk-in whose strap was paired after the stop, with what it sent during the session', async () => {
      const { startMs, stopMs } = (await call('coach', 'GET', `/sessions/${session}`)).json();
      await stored('C0:FF:EE:00:00:02', [startMs + 20]);
      const paired = await call('coach', 'POST', '/pairings', { device: 'C0:FF:EE:00:00:02', athlete: 'cleo', fromMs: startMs });
      expect(paired.statusCode).toBe(201);
      const after = (await call('coach', 'GET', `/sessions/${session}`)).json();
      expect(after.stopMs).toBe(stopMs);
      expect(after.participants).toContainEqual({ athlete: 'cleo', joinedMs: startMs + 20 });
      expect((await call('cleo', 'GET', `/sessions/${session}`)).statusCode).toBe(200);
    });

    it('are listed a page at a time, newest first', async () => {
      const next = (await call('coach', 'POST', '/sessions', { title: 'Thursday easy' })).json();
      expect((await call('coach', 'POST', `/sessions/${next.id}/stop`)).statusCode).toBe(200);
      const first = (await call('coach', 'GET', '/sessions?limit=1')).json().sessions;
      expect(first.map((one: { id: string }) => one.id)).toEqual([next.id]);
      const rest = (await call('coach', 'GET', `/sessions?limit=10&beforeMs=${first[0].startMs}`)).json().sessions;
      expect(rest.map((one: { id: string }) => one.id)).toEqual([session]);
      expect((await call('coach', 'GET', '/sessions?limit=100000')).statusCode).toBe(400);
      expect((await call('admin', 'DELETE', `/sessions/${next.id}`)).statusCode).toBe(204);
    });

    it('are renamed and regrouped by staff, and deleted by the club’s admin', async () => {
      expect((await call('coach', 'PATCH', `/sessions/${session}`, { group: null })).json().group).toBeNull();
      expect((await call('coach', 'PATCH', `/sessions/${session}`, { group: 'nope' })).statusCode).toBe(404);
      const renamed = await call('coach', 'PATCH', `/sessions/${session}`, { title: 'Tuesday 4×8 min' });
      expect(renamed.json().title).toBe('Tuesday 4×8 min');
      expect((await call('ann', 'PATCH', `/sessions/${session}`, { title: 'Mine now' })).statusCode).toBe(403);
      expect((await call('coach', 'DELETE', `/sessions/${session}`)).statusCode).toBe(403);
      expect((await call('admin', 'DELETE', `/sessions/${session}`)).statusCode).toBe(204);
      expect((await call('admin', 'GET', `/sessions/${session}`)).statusCode).toBe(404);
      expect((await call('admin', 'GET', '/sessions/s_nosuchsession')).statusCode).toBe(404);
    });
  });
});
