import fc from 'fast-check';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { TelemetryMessage } from '../../protocol/mqtt/telemetry.ts';
import { RejectionReason, validateTelemetry } from '../../protocol/mqtt/validate-telemetry.ts';
import { REGISTRY_TABLES } from '../../store/sql/copy-registry.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

/** Values an attacker or a broken client sends: huge, empty, odd Unicode, path tricks, numbers as text. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '..',
    '../../etc/passwd',
    '%00',
    'club-a',
    'ann',
    "Robert'); DROP TABLE users;--",
    '<script>x</script>',
    'x'.repeat(5000),
    '-1',
    '1e308',
    'NaN',
    '{}',
  ),
);
const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.record({ email: hostileText, password: hostileText, role: hostileText, id: hostileText, name: hostileText }),
  fc.record({
    device: hostileText,
    athlete: fc.oneof(hostileText, fc.constant('ann')),
    fromMs: fc.oneof(fc.double(), fc.integer()),
    name: hostileText,
    birthYear: fc.oneof(fc.integer(), fc.double(), hostileText),
    maxHrBpm: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
    weightKg: fc.oneof(fc.double(), hostileText),
    owner: fc.oneof(hostileText, fc.constant(null)),
    profile: hostileText,
    title: hostileText,
    athletes: fc.array(hostileText, { maxLength: 3 }),
  }),
  // A roster upload: CSV text with hostile cells.
  fc.array(fc.array(hostileText, { maxLength: 5 }), { maxLength: 4 }).map((rows) => rows.map((row) => row.join(',')).join('\n')),
);

/** Routes with their path built from hostile parameters. */
const ROUTES: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: (a: string, b: string) => string; body?: boolean }[] = [
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}` },
  { method: 'PATCH', path: (a) => `/api/v1/clubs/${a}`, body: true },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/athletes` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/athletes`, body: true },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/athletes/import`, body: true },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}` },
  { method: 'PATCH', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/devices`, body: true },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/devices/${b}` },
  { method: 'PATCH', path: (a, b) => `/api/v1/clubs/${a}/devices/${b}`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/devices/${b}` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/pairings` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/pairings`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/pairings/${b}` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/nearby-devices` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/groups` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/groups`, body: true },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/groups/${b}` },
  { method: 'PATCH', path: (a, b) => `/api/v1/clubs/${a}/groups/${b}`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/groups/${b}` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/sessions` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/sessions`, body: true },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}` },
  { method: 'PATCH', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}` },
  { method: 'POST', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}/stop`, body: true },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}/report` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/wellness` },
  { method: 'POST', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/readiness`, body: true },
  { method: 'POST', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/workouts`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/workouts/${b}` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}/athletes/${b}/export.fit` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}/athletes/${b}/export.csv` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/sessions/${b}/export.csv` },
  { method: 'POST', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/erasure`, body: true },
  { method: 'GET', path: (a) => `/api/v1/jobs/${a}` },
  { method: 'GET', path: (a) => `/api/v1/jobs/${a}/archive` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/challenges` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/challenges`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/challenges/${b}` },
  { method: 'PUT', path: (a, b) => `/api/v1/clubs/${a}/challenges/${b}/entries/${b}`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/challenges/${b}/entries/${b}` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/challenges/${b}/leaderboard` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/devices` },
  { method: 'GET', path: (a, b) => `/api/v1/clubs/${a}/athletes/${b}/history` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/dead-letters` },
  { method: 'GET', path: (a) => `/api/v1/clubs/${a}/gateways` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/gateways`, body: true },
  { method: 'DELETE', path: (a, b) => `/api/v1/clubs/${a}/gateways/${b}` },
  { method: 'POST', path: (a) => `/api/v1/clubs/${a}/invitations`, body: true },
  { method: 'GET', path: () => '/api/v1/dead-letters' },
  { method: 'GET', path: () => '/metrics' },
  { method: 'GET', path: () => '/api/v1/auth/me' },
  { method: 'POST', path: () => '/api/v1/auth/logout', body: true },
  { method: 'POST', path: () => '/api/v1/auth/login', body: true },
  { method: 'POST', path: () => '/api/v1/auth/password', body: true },
  { method: 'GET', path: (a) => `/api/v1/invitations/${a}` },
  { method: 'POST', path: (a) => `/api/v1/invitations/${a}/accept`, body: true },
];

describe('hostile input at every route', () => {
  let stores: Stores;
  let app: Api;
  let admin = '';

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub('club-a', 'Club A');
    stores.registry.upsertMember('club-a', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', LOGIN_ATTEMPTS_PER_MINUTE: 1_000_000, WRITES_PER_MINUTE: 1_000_000 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    // The most privileged caller reaches the deepest code; anonymous callers are covered by the isolation test.
    admin = sessionCookie(stores, { platformAdmin: true });
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  it('refuses text holding NUL, in a body, a roster file or a query, on either registry engine', async () => {
    const before = registryContent();
    const asJson = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/athletes',
      headers: { cookie: admin },
      payload: { id: 'nul', name: 'Ann\u0000Marie' },
    });
    expect([asJson.statusCode, asJson.json()]).toEqual([
      400,
      { code: 'SC_ERR_VALIDATION', message: 'text may not contain the NUL character (U+0000)' },
    ]);
    const asCsv = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/athletes/import',
      headers: { cookie: admin, 'content-type': 'text/csv' },
      payload: 'id,name\nnul,Ann\u0000Marie\n',
    });
    expect(asCsv.statusCode).toBe(400);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a\u0000@example.org', password: 'x' } });
    expect(login.statusCode).toBe(400);
    const query = await app.inject({ url: '/api/v1/clubs/club-a/sessions', query: { before: '1\u0000' }, headers: { cookie: admin } });
    expect(query.statusCode).toBe(400);
    expect(registryContent()).toBe(before);
  });

  /** Everything the routes could write, whole (an update shows as well as an insert). */
  const registryContent = () =>
    JSON.stringify(REGISTRY_TABLES.map((table) => stores.registryDb.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).all()));

  it.each(ROUTES.map((route) => [`${route.method} ${route.path(':a', ':b')}`, route] as const))(
    '%s answers 4xx JSON, never 500, and writes nothing when it refuses',
    async (_name, route) => {
      // Logging out ends the session the other requests use: that route gets a session of its own each time.
      const cookieFor = () => (route.path('', '') === '/api/v1/auth/logout' ? sessionCookie(stores, { platformAdmin: true }) : admin);
      await fc.assert(
        fc.asyncProperty(
          hostileText,
          hostileText,
          fc.dictionary(hostileText, hostileText, { maxKeys: 4 }),
          hostileBody,
          async (a, b, query, body) => {
            const cookie = cookieFor();
            const before = registryContent();
            const response = await app.inject({
              method: route.method,
              url: route.path(encodeURIComponent(a), encodeURIComponent(b)),
              query,
              headers: { cookie, ...(typeof body === 'string' ? { 'content-type': 'text/csv' } : {}) },
              ...(route.body ? { payload: body as object } : {}),
            });
            expect(response.statusCode).toBeLessThan(500);
            if (response.statusCode >= 400) {
              expect(response.json()).toMatchObject({ code: expect.stringMatching(/^SC_ERR_[A-Z_]+$/), message: expect.any(String) });
              expect(response.body.length).toBeLessThan(2000);
              expect(registryContent()).toBe(before);
            }
          },
        ),
        { numRuns: 150 },
      );
    },
  );
});

describe('hostile telemetry', () => {
  const NOW = Date.UTC(2026, 10, 27, 18, 0, 0);
  const topic = fc.oneof(
    fc.constant('sc/v1/club-a/gw/telemetry'),
    fc.string({ maxLength: 80 }),
    fc.constantFrom('sc/v1/+/#/telemetry', 'sc/v1//gw/telemetry', '$SYS/x'),
  );
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc
      .record({
        v: fc.oneof(fc.constant(1), fc.jsonValue()),
        gateway: fc.oneof(fc.constant('gw'), hostileText),
        seq: fc.oneof(fc.nat(), fc.double()),
        sentAtMs: fc.oneof(fc.constant(NOW), fc.double()),
        samples: fc.array(
          fc.record({
            device: fc.oneof(fc.constant('strap'), hostileText),
            timeMs: fc.oneof(fc.constant(NOW - 1000), fc.double(), fc.constant(NOW + 3_600_000)),
            kind: fc.constantFrom('heart_rate', 'battery', 'treadmill', 'mood'),
            values: fc.oneof(
              fc.record({ heartRateBpm: fc.oneof(fc.integer({ min: -10, max: 400 }), fc.double()) }),
              fc.object({ maxDepth: 1 }),
            ),
          }),
          { maxLength: 5 },
        ),
      })
      .map((message) => Buffer.from(JSON.stringify(message))),
  );

  it('is validated without throwing: a known reason, or a message the contract accepts', () => {
    fc.assert(
      fc.property(topic, payload, (where, bytes) => {
        const result = validateTelemetry(where, bytes, NOW);
        if (result.ok) expect(TelemetryMessage.safeParse(result.message).success).toBe(true);
        else expect(RejectionReason.options).toContain(result.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('is queued whole or dead-lettered whole by ingest, never in part', async () => {
    const stores = await openTestStores();
    const ingest = new IngestService(
      {
        MQTT_URL: 'mqtt://127.0.0.1:1',
        INGEST_CLIENT_ID: 'sc-ingest',
        INGEST_BATCH_SIZE: 5000,
        INGEST_FLUSH_INTERVAL: 60_000,
        INGEST_QUEUE_MAX_POINTS: 1_000_000,
      },
      { ...stores, metricsRegistry: new MetricsRegistry(), logger: testLogger, now: () => NOW },
    );
    try {
      fc.assert(
        fc.property(topic, payload, (where, bytes) => {
          const queuedBefore = ingest.queue.depth().points;
          const lettersBefore = stores.deadLetters.list({ limit: 1_000_000 }).length;
          ingest.accept(where, Buffer.from(bytes));
          const validation = validateTelemetry(where, bytes, NOW);
          const queued = ingest.queue.depth().points - queuedBefore;
          const lettered = stores.deadLetters.list({ limit: 1_000_000 }).length - lettersBefore;
          if (validation.ok) expect([queued, lettered]).toEqual([validation.message.samples.length, 0]);
          else expect([queued, lettered]).toEqual([0, 1]);
        }),
        { numRuns: 500 },
      );
    } finally {
      await ingest.writer.stop();
      await stores.close();
    }
  });
});
