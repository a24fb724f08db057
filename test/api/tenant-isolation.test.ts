import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

// Glossary: club A is where the people asking belong; club B is someone else's club, whose data must
// never show. "Refused" = 401 (not logged in), 403 (role not enough) or 404 (not your club: its
// existence is not told).

const T0 = Date.UTC(2026, 10, 1, 18, 0, 0);
/** Strings that only club B's data contains: none may appear in an answer to someone outside it. */
const CLUB_B_SECRETS = ['Zoe', 'zoe', 'hrm-b', 'gw-b', 'sc/v1/club-b', 'intervals'];

type Who = 'anonymous' | 'athlete A' | 'coach A' | 'admin A' | 'partner' | 'gateway A' | 'platform admin';

/** Every route the API has, as "METHOD path"; a new route fails the coverage test until the table below has it. */
function routesOf(app: Api): string[] {
  const routes: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    while (stack.length > depth) stack.pop();
    const path = `${stack.at(-1)?.path ?? ''}${match[2]}`;
    stack.push({ depth, path });
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

describe('tenant isolation over every route', () => {
  let stores: Stores;
  let app: Api;
  const cookies = {} as Record<Who, Record<string, string>>;
  let gatewayAuthorization = '';
  let clubBSession = '';
  /** Every row of club B in the roster tables, to compare after the refusals. */
  const clubBContent = () =>
    Object.fromEntries(
      [
        'clubs',
        'athletes',
        'devices',
        'pairings',
        'athlete_groups',
        'group_members',
        'sessions',
        'session_participants',
        'training_log',
        'readiness_checks',
        'challenges',
        'challenge_entries',
        'uploads',
      ].map((table) => [
        table,
        stores.registryDb.prepare(`SELECT * FROM ${table} WHERE ${table === 'clubs' ? 'id' : 'club_id'} = 'club-b' ORDER BY 1, 2, 3`).all(),
      ]),
    );
  let clubBBefore: ReturnType<typeof clubBContent>;
  /** Who each outsider is (a role in club A, in the partner's demo club, or the platform). */
  const MEMBERSHIPS: Record<Who, object | null> = {
    anonymous: null,
    'athlete A': { membership: { club: 'club-a', role: 'athlete', athlete: 'ann' } },
    'coach A': { membership: { club: 'club-a', role: 'coach', athlete: null } },
    'admin A': { membership: { club: 'club-a', role: 'admin', athlete: null } },
    partner: { membership: { club: 'partner-demo', role: 'partner', athlete: null } },
    'gateway A': null,
    'platform admin': { platformAdmin: true },
  };
  /** Request headers of a new login of that person (or the gateway's credentials, or none). */
  const freshHeaders = (who: Who): Record<string, string> => {
    if (who === 'gateway A') return { authorization: gatewayAuthorization };
    const person = MEMBERSHIPS[who];
    return person ? { cookie: sessionCookie(stores, person) } : {};
  };

  beforeAll(async () => {
    stores = await openTestStores();
    const { registry } = stores;
    for (const [club, name] of [
      ['club-a', 'Club A'],
      ['club-b', 'Club B'],
      ['partner-demo', 'A start-up’s demo'],
    ] as const)
      registry.upsertClub(club, name);
    registry.upsertMember('club-a', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    registry.upsertMember('club-a', { id: 'bob', name: 'Bob', restHrBpm: 55, maxHrBpm: 180 });
    registry.upsertMember('club-b', { id: 'zoe', name: 'Zoe', restHrBpm: 48, maxHrBpm: 195 });
    for (const [club, device, member] of [
      ['club-a', 'hrm-ann', 'ann'],
      ['club-a', 'hrm-bob', 'bob'],
      ['club-b', 'hrm-b', 'zoe'],
    ] as const) {
      registry.createDevice(club, { id: device, profile: 'heart_rate', owner: member }, 0);
    }
    await stores.timeSeries.writePoints(
      [0, 1, 2].flatMap((s) => [
        {
          club: 'club-a',
          device: 'hrm-bob',
          athlete: 'bob',
          kind: 'heart_rate' as const,
          timeMs: T0 + s * 1000,
          fields: { heartRateBpm: 120 },
        },
        {
          club: 'club-b',
          device: 'hrm-b',
          athlete: 'zoe',
          kind: 'heart_rate' as const,
          timeMs: T0 + s * 1000,
          fields: { heartRateBpm: 130 },
        },
      ]),
    );
    stores.deadLetters.record({
      receivedMs: T0,
      topic: 'sc/v1/club-b/gw-b/telemetry',
      reason: 'invalid_json',
      detail: 'Zoe',
      payload: Buffer.from('zoe'),
    });
    stores.sessions.createGroup('club-b', { id: 'zoes', name: 'Zoe’s group', athletes: ['zoe'] });
    clubBSession = stores.sessions.startSession('club-b', { title: 'Zoe’s intervals', group: 'zoes', coach: null }, T0).id;
    stores.challenges.create('club-b', { id: 'zoes-month', title: 'Zoe’s month', fromMs: T0, toMs: T0 + 30 * 86_400_000 });
    stores.challenges.join('club-b', 'zoes-month', 'zoe');
    clubBBefore = clubBContent();
    stores.mqttAccounts.issueGateway('club-b', 'gw-b');
    const gatewayA = stores.mqttAccounts.issueGateway('club-a', 'gw-a');
    const live = new LiveHub({ brokerUrl: 'mqtt://127.0.0.1:1', registry, logger: testLogger, staleAfterMs: 10_000, windowMs: 60_000 });
    app = buildApp({ DASHBOARD_DIR: '/nonexistent' }, { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger });
    await app.ready();
    gatewayAuthorization = `Basic ${Buffer.from(`${gatewayA.username}:${gatewayA.password}`).toString('base64')}`;
    for (const who of Object.keys(MEMBERSHIPS) as Who[]) cookies[who] = freshHeaders(who);
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  /** Every route touching club B (and the platform-wide ones), with a valid request body where it takes one. */
  const ON_CLUB_B: {
    route: string;
    /** A function where the id is only known once the data is set up. */
    url: string | (() => string);
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    body?: object;
    csv?: string;
  }[] = [
    { route: 'GET /api/v1/clubs/:club/athletes', url: '/api/v1/clubs/club-b/athletes' },
    { route: 'GET /api/v1/clubs/:club/devices', url: '/api/v1/clubs/club-b/devices' },
    {
      route: 'GET /api/v1/clubs/:club/athletes/:athlete/history',
      url: `/api/v1/clubs/club-b/athletes/zoe/history?fromMs=${T0}&toMs=${T0 + 60_000}`,
    },
    { route: 'GET /api/v1/clubs/:club/live', url: '/api/v1/clubs/club-b/live' },
    { route: 'GET /api/v1/clubs/:club/dead-letters', url: '/api/v1/clubs/club-b/dead-letters' },
    { route: 'GET /api/v1/clubs/:club/gateways', url: '/api/v1/clubs/club-b/gateways' },
    { route: 'POST /api/v1/clubs/:club/gateways', url: '/api/v1/clubs/club-b/gateways', method: 'POST', body: { id: 'gw-x' } },
    { route: 'DELETE /api/v1/clubs/:club/gateways/:gateway', url: '/api/v1/clubs/club-b/gateways/gw-b', method: 'DELETE' },
    {
      route: 'POST /api/v1/clubs/:club/invitations',
      url: '/api/v1/clubs/club-b/invitations',
      method: 'POST',
      body: { email: 'mole@example.org', role: 'admin' },
    },
    { route: 'GET /api/v1/dead-letters', url: '/api/v1/dead-letters' },
    { route: 'GET /metrics', url: '/metrics' },
    { route: 'GET /api/v1/clubs/:club', url: '/api/v1/clubs/club-b' },
    { route: 'PATCH /api/v1/clubs/:club', url: '/api/v1/clubs/club-b', method: 'PATCH', body: { name: 'Taken' } },
    {
      route: 'POST /api/v1/clubs/:club/athletes',
      url: '/api/v1/clubs/club-b/athletes',
      method: 'POST',
      body: { id: 'mole', name: 'Mole' },
    },
    {
      route: 'POST /api/v1/clubs/:club/athletes/import',
      url: '/api/v1/clubs/club-b/athletes/import',
      method: 'POST',
      csv: 'id,name\nmole,Mole\nzoe,Renamed\n',
    },
    { route: 'GET /api/v1/clubs/:club/athletes/:athlete', url: '/api/v1/clubs/club-b/athletes/zoe' },
    {
      route: 'PATCH /api/v1/clubs/:club/athletes/:athlete',
      url: '/api/v1/clubs/club-b/athletes/zoe',
      method: 'PATCH',
      body: { maxHrBpm: 150 },
    },
    { route: 'DELETE /api/v1/clubs/:club/athletes/:athlete', url: '/api/v1/clubs/club-b/athletes/zoe', method: 'DELETE' },
    { route: 'POST /api/v1/clubs/:club/devices', url: '/api/v1/clubs/club-b/devices', method: 'POST', body: { id: 'hrm-mole' } },
    { route: 'GET /api/v1/clubs/:club/devices/:device', url: '/api/v1/clubs/club-b/devices/hrm-b' },
    {
      route: 'PATCH /api/v1/clubs/:club/devices/:device',
      url: '/api/v1/clubs/club-b/devices/hrm-b',
      method: 'PATCH',
      body: { owner: null },
    },
    { route: 'DELETE /api/v1/clubs/:club/devices/:device', url: '/api/v1/clubs/club-b/devices/hrm-b', method: 'DELETE' },
    { route: 'GET /api/v1/clubs/:club/pairings', url: `/api/v1/clubs/club-b/pairings?fromMs=${T0}&toMs=${T0 + 60_000}` },
    {
      route: 'POST /api/v1/clubs/:club/pairings',
      url: '/api/v1/clubs/club-b/pairings',
      method: 'POST',
      body: { device: 'hrm-b', athlete: 'zoe', fromMs: 0 },
    },
    { route: 'DELETE /api/v1/clubs/:club/pairings/:device', url: '/api/v1/clubs/club-b/pairings/hrm-b', method: 'DELETE' },
    { route: 'GET /api/v1/clubs/:club/nearby-devices', url: '/api/v1/clubs/club-b/nearby-devices' },
    { route: 'GET /api/v1/clubs/:club/groups', url: '/api/v1/clubs/club-b/groups' },
    { route: 'POST /api/v1/clubs/:club/groups', url: '/api/v1/clubs/club-b/groups', method: 'POST', body: { id: 'moles', name: 'Moles' } },
    { route: 'GET /api/v1/clubs/:club/groups/:group', url: '/api/v1/clubs/club-b/groups/zoes' },
    { route: 'PATCH /api/v1/clubs/:club/groups/:group', url: '/api/v1/clubs/club-b/groups/zoes', method: 'PATCH', body: { athletes: [] } },
    { route: 'DELETE /api/v1/clubs/:club/groups/:group', url: '/api/v1/clubs/club-b/groups/zoes', method: 'DELETE' },
    { route: 'GET /api/v1/clubs/:club/sessions', url: '/api/v1/clubs/club-b/sessions' },
    { route: 'POST /api/v1/clubs/:club/sessions', url: '/api/v1/clubs/club-b/sessions', method: 'POST', body: { title: 'Mole hour' } },
    { route: 'GET /api/v1/clubs/:club/sessions/:session', url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}` },
    {
      route: 'PATCH /api/v1/clubs/:club/sessions/:session',
      url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}`,
      method: 'PATCH',
      body: { title: 'Taken' },
    },
    { route: 'DELETE /api/v1/clubs/:club/sessions/:session', url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}`, method: 'DELETE' },
    { route: 'GET /api/v1/clubs/:club/athletes/:athlete/wellness', url: '/api/v1/clubs/club-b/athletes/zoe/wellness' },
    {
      route: 'POST /api/v1/clubs/:club/athletes/:athlete/readiness',
      url: '/api/v1/clubs/club-b/athletes/zoe/readiness',
      method: 'POST',
      body: { fromMs: T0, toMs: T0 + 180_000 },
    },
    {
      route: 'POST /api/v1/clubs/:club/athletes/:athlete/workouts',
      url: '/api/v1/clubs/club-b/athletes/zoe/workouts',
      method: 'POST',
      csv: `time,hr\n${T0},120\n${T0 + 1000},121\n`,
    },
    {
      route: 'DELETE /api/v1/clubs/:club/athletes/:athlete/workouts/:workout',
      url: `/api/v1/clubs/club-b/athletes/zoe/workouts/u_${'a'.repeat(24)}`,
      method: 'DELETE',
    },
    {
      route: 'GET /api/v1/clubs/:club/sessions/:session/athletes/:athlete/export.fit',
      url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}/athletes/zoe/export.fit`,
    },
    {
      route: 'GET /api/v1/clubs/:club/sessions/:session/athletes/:athlete/export.csv',
      url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}/athletes/zoe/export.csv`,
    },
    {
      route: 'GET /api/v1/clubs/:club/sessions/:session/export.csv',
      url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}/export.csv`,
    },
    {
      route: 'POST /api/v1/clubs/:club/athletes/:athlete/erasure',
      url: '/api/v1/clubs/club-b/athletes/zoe/erasure',
      method: 'POST',
      body: { confirm: 'zoe' },
    },
    { route: 'GET /api/v1/clubs/:club/challenges', url: '/api/v1/clubs/club-b/challenges' },
    {
      route: 'POST /api/v1/clubs/:club/challenges',
      url: '/api/v1/clubs/club-b/challenges',
      method: 'POST',
      body: { id: 'moles', title: 'Moles', fromMs: T0, toMs: T0 + 86_400_000 },
    },
    { route: 'DELETE /api/v1/clubs/:club/challenges/:challenge', url: '/api/v1/clubs/club-b/challenges/zoes-month', method: 'DELETE' },
    {
      route: 'PUT /api/v1/clubs/:club/challenges/:challenge/entries/:athlete',
      url: '/api/v1/clubs/club-b/challenges/zoes-month/entries/zoe',
      method: 'PUT',
    },
    {
      route: 'DELETE /api/v1/clubs/:club/challenges/:challenge/entries/:athlete',
      url: '/api/v1/clubs/club-b/challenges/zoes-month/entries/zoe',
      method: 'DELETE',
    },
    { route: 'GET /api/v1/clubs/:club/challenges/:challenge/leaderboard', url: '/api/v1/clubs/club-b/challenges/zoes-month/leaderboard' },
    { route: 'GET /api/v1/clubs/:club/sessions/:session/report', url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}/report` },
    {
      route: 'POST /api/v1/clubs/:club/sessions/:session/stop',
      url: () => `/api/v1/clubs/club-b/sessions/${clubBSession}/stop`,
      method: 'POST',
    },
    { route: 'GET /api/v1/clubs/:club/simulator', url: '/api/v1/clubs/club-b/simulator' },
    { route: 'GET /api/v1/clubs/:club/simulator/scenarios', url: '/api/v1/clubs/club-b/simulator/scenarios' },
    {
      route: 'POST /api/v1/clubs/:club/simulator/start',
      url: '/api/v1/clubs/club-b/simulator/start',
      method: 'POST',
      body: { scenario: 'hiit-with-faults' },
    },
    { route: 'POST /api/v1/clubs/:club/simulator/stop', url: '/api/v1/clubs/club-b/simulator/stop', method: 'POST' },
    {
      route: 'POST /api/v1/clubs/:club/simulator/devices',
      url: '/api/v1/clubs/club-b/simulator/devices',
      method: 'POST',
      body: { profile: 'heart_rate', athlete: 'Zoe' },
    },
    {
      route: 'POST /api/v1/clubs/:club/simulator/faults',
      url: '/api/v1/clubs/club-b/simulator/faults',
      method: 'POST',
      body: { type: 'gateway_offline', durationS: 60 },
    },
  ];
  /** Routes open to anyone by design, and why nothing of a club is in them. */
  const OPEN_ROUTES = {
    'GET /health': 'says ok or not, names the store',
    'GET /health/live': 'says the process answers',
    'GET /health/ready': 'says ok or not, names the store',
    'GET /favicon.ico': 'the icon',
    'GET /*': 'the dashboard’s files',
    'GET /': 'the dashboard, or how to build it',
    'GET /api/docs': 'the OpenAPI document: routes and schemas, no data',
    'POST /api/v1/auth/login': 'answers a person their own account only',
    'POST /api/v1/auth/logout': 'ends the caller’s own session',
    'GET /api/v1/auth/me': 'the caller’s own account (401 without one)',
    'POST /api/v1/auth/password': 'the caller’s own password (401 without a login)',
    'GET /api/v1/invitations/:token': 'needs the one-time token of the link',
    'GET /api/v1/me/export': 'the caller’s own archive (401 without a login; nothing of a club they are not an athlete of)',
    'POST /api/v1/me/exports': 'starts the caller’s own archive',
    'GET /api/v1/jobs/:job': 'the caller’s own jobs only (another’s answers 404)',
    'GET /api/v1/jobs/:job/archive': 'the caller’s own export only',
    'POST /api/v1/invitations/:token/accept': 'needs the one-time token of the link',
    'GET /api/v1/profiles': 'the device profiles installed on the server (401 without a login): no club’s data',
  };

  it('covers every route the API has', () => {
    const covered = new Set([...ON_CLUB_B.map((entry) => entry.route), ...Object.keys(OPEN_ROUTES)]);
    const routes = routesOf(app);
    expect(routes.length).toBeGreaterThanOrEqual(ON_CLUB_B.length + 8);
    expect(routes.filter((route) => !covered.has(route))).toEqual([]);
  });

  const OUTSIDERS: Who[] = ['anonymous', 'athlete A', 'coach A', 'admin A', 'partner', 'gateway A'];
  /** A request to each open route, as an outsider would make it. */
  const OPEN_REQUESTS: { url: string; method?: 'GET' | 'POST'; body?: object }[] = [
    { url: '/health' },
    { url: '/health/live' },
    { url: '/health/ready' },
    { url: '/' },
    { url: '/api/docs' },
    { url: '/api/v1/auth/login', method: 'POST', body: { email: 'zoe@club-b.example', password: 'a guess of a password' } },
    { url: '/api/v1/auth/logout', method: 'POST' },
    { url: '/api/v1/auth/me' },
    { url: '/api/v1/auth/password', method: 'POST', body: { currentPassword: 'x', newPassword: 'something long enough' } },
    { url: `/api/v1/invitations/${'A'.repeat(43)}` },
    { url: '/api/v1/me/export' },
    { url: '/api/v1/me/exports', method: 'POST' },
    { url: `/api/v1/jobs/j_${'A'.repeat(16)}` },
    { url: `/api/v1/jobs/j_${'A'.repeat(16)}/archive` },
    { url: `/api/v1/invitations/${'A'.repeat(43)}/accept`, method: 'POST', body: { name: 'Mole', password: 'something long enough' } },
    { url: '/api/v1/profiles' },
  ];
  it.each(OUTSIDERS.flatMap((who) => OPEN_REQUESTS.map((request) => [who, `${request.method ?? 'GET'} ${request.url}`, request] as const)))(
    '%s gets nothing of club B from the open route %s',
    async (who, _route, request) => {
      // A login of its own: logging out must not end the one the other tests use.
      const response = await app.inject({
        method: request.method ?? 'GET',
        url: request.url,
        headers: freshHeaders(who),
        ...(request.body ? { payload: request.body } : {}),
      });
      expect(response.statusCode).not.toBe(500); // 503 for `/`: the dashboard is not built here
      for (const secret of CLUB_B_SECRETS) expect(response.body).not.toContain(secret);
    },
  );
  it.each(OUTSIDERS.flatMap((who) => ON_CLUB_B.map((request) => [who, request.route, request] as const)))(
    '%s is refused %s of club B, and sees nothing of it',
    async (who, _route, request) => {
      const response = await app.inject({
        method: request.method ?? 'GET',
        url: typeof request.url === 'string' ? request.url : request.url(),
        headers: { ...cookies[who], ...(request.csv ? { 'content-type': 'text/csv' } : {}) },
        ...(request.body ? { payload: request.body } : request.csv ? { payload: request.csv } : {}),
      });
      expect([401, 403, 404]).toContain(response.statusCode);
      expect(response.json()).toMatchObject({ code: expect.stringMatching(/^SC_ERR_/), message: expect.any(String) });
      for (const secret of CLUB_B_SECRETS) expect(response.body).not.toContain(secret);
    },
  );

  it('still has club B’s gateway credentials after every refused revocation', () => {
    expect(stores.mqttAccounts.listGateways('club-b')).toEqual([expect.objectContaining({ gateway: 'gw-b', revokedMs: null })]);
  });

  it('still has club B’s roster, pairings, groups and sessions, unchanged, after every refused write', () => {
    expect(clubBContent()).toEqual(clubBBefore);
  });

  it('lets a platform admin read club B (the refusals above are about who asks, not a broken route)', async () => {
    const response = await app.inject({ url: '/api/v1/clubs/club-b/athletes', headers: cookies['platform admin'] });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Zoe');
  });

  it('shows an athlete only themselves in their own club', async () => {
    const ann = cookies['athlete A'];
    expect(
      (await app.inject({ url: '/api/v1/clubs/club-a/athletes', headers: ann }))
        .json()
        .athletes.map((athlete: { id: string }) => athlete.id),
    ).toEqual(['ann']);
    expect(
      (await app.inject({ url: '/api/v1/clubs/club-a/devices', headers: ann })).json().devices.map((device: { id: string }) => device.id),
    ).toEqual(['hrm-ann']);
    const bobsHistory = await app.inject({
      url: `/api/v1/clubs/club-a/athletes/bob/history?fromMs=${T0}&toMs=${T0 + 60_000}`,
      headers: ann,
    });
    expect(bobsHistory.statusCode).toBe(404);
    expect(bobsHistory.body).not.toContain('120');
    const ownHistory = await app.inject({
      url: `/api/v1/clubs/club-a/athletes/ann/history?fromMs=${T0}&toMs=${T0 + 60_000}`,
      headers: ann,
    });
    expect(ownHistory.statusCode).toBe(200);
  });

  it('lets a coach read the club but not manage its gateways or invite people', async () => {
    const coach = cookies['coach A'];
    expect((await app.inject({ url: '/api/v1/clubs/club-a/athletes', headers: coach })).json().athletes).toHaveLength(2);
    expect((await app.inject({ url: '/api/v1/clubs/club-a/gateways', headers: coach })).statusCode).toBe(403);
    const invitation = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/invitations',
      headers: coach,
      payload: { email: 'x@example.org', role: 'coach' },
    });
    expect(invitation.statusCode).toBe(403);
  });

  it('lets a gateway read its own club’s pairings and nothing else', async () => {
    const gateway = cookies['gateway A'];
    expect((await app.inject({ url: '/api/v1/clubs/club-a/devices', headers: gateway })).json().devices).toHaveLength(2);
    expect((await app.inject({ url: '/api/v1/clubs/club-a/athletes', headers: gateway })).statusCode).toBe(403);
  });
});
