import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, buildApp } from '../../api/app.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import { hashPassword } from '../../store/secrets.ts';
import { sessionCookie } from '../helpers/sessions.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';

const PASSWORD = 'correct horse battery';

describe('logging in, sessions, invitations and gateway credentials', () => {
  let stores: Stores;
  let app: Api;
  let adminCookie = '';

  beforeAll(async () => {
    stores = await openTestStores();
    stores.registry.upsertClub('club-a', 'Club A');
    stores.registry.upsertMember('club-a', { id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 190 });
    const coach = stores.accounts.createUser({ email: 'Coach@Club-A.example', name: 'Carla', passwordHash: await hashPassword(PASSWORD) });
    stores.accounts.setMembership(coach.id, { club: 'club-a', role: 'coach', athlete: null });
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', LOGIN_ATTEMPTS_PER_MINUTE: 30 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    adminCookie = sessionCookie(stores, { membership: { club: 'club-a', role: 'admin', athlete: null } });
  });
  afterAll(async () => {
    await app?.close();
    await stores?.close();
  });

  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });
  const cookieOf = (response: { headers: Record<string, unknown> }) => String(response.headers['set-cookie']).split(';')[0]!;

  it('logs a person in with an HttpOnly, SameSite=Lax session cookie, whatever the case of their email', async () => {
    const response = await login('coach@club-a.example', PASSWORD);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      user: { email: 'coach@club-a.example', name: 'Carla', platformAdmin: false },
      memberships: [{ club: 'club-a', role: 'coach' }],
    });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^sc_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here; the TLS test checks Secure
    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie: cookieOf(response) } });
    expect(me.json().user.name).toBe('Carla');
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const wrongPassword = await login('coach@club-a.example', 'not it at all');
    const unknownEmail = await login('nobody@club-a.example', PASSWORD);
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ code: 'SC_ERR_LOGIN_FAILED', message: 'wrong email or password' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('ends the session at logout', async () => {
    const cookie = cookieOf(await login('coach@club-a.example', PASSWORD));
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('revokes every session of a person whose password changes, and keeps them logged in with a new one', async () => {
    const elsewhere = cookieOf(await login('coach@club-a.example', PASSWORD));
    const here = cookieOf(await login('coach@club-a.example', PASSWORD));
    const changed = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie: here },
      payload: { currentPassword: PASSWORD, newPassword: 'a new and longer one' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { cookie: elsewhere } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { cookie: here } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/auth/me', headers: { cookie: cookieOf(changed) } })).statusCode).toBe(200);
    expect((await login('coach@club-a.example', PASSWORD)).statusCode).toBe(401);
    expect((await login('coach@club-a.example', 'a new and longer one')).statusCode).toBe(200);
  });

  it('forgets an expired session', () => {
    const user = stores.accounts.createUser({ email: 'brief@club-a.example', name: 'Brief', passwordHash: null });
    const token = stores.accounts.createSession(user.id, 1000, Date.now() - 2000);
    expect(stores.accounts.resolveSession(token)).toBeNull();
  });

  it('invites an athlete by a one-time link that sets their password and logs them in', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/invitations',
      headers: { cookie: adminCookie },
      payload: { email: 'ann@club-a.example', role: 'athlete', athlete: 'ann' },
    });
    expect(created.statusCode).toBe(201);
    const { id, url } = created.json();
    expect(url).toContain(`invitation=${id}`);
    expect((await app.inject(`/api/v1/invitations/${id}`)).json()).toMatchObject({
      club: 'club-a',
      role: 'athlete',
      email: 'ann@club-a.example',
    });
    const accepted = await app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${id}/accept`,
      payload: { name: 'Ann', password: 'anns own password' },
    });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().memberships).toEqual([{ club: 'club-a', role: 'athlete', athlete: 'ann' }]);
    const athletes = await app.inject({ url: '/api/v1/clubs/club-a/athletes', headers: { cookie: cookieOf(accepted) } });
    expect(athletes.json().athletes.map((athlete: { id: string }) => athlete.id)).toEqual(['ann']);
    // One time only.
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${id}/accept`,
      payload: { name: 'Mallory', password: 'taking it over' },
    });
    expect(again.statusCode).toBe(404);
    expect((await login('ann@club-a.example', 'anns own password')).statusCode).toBe(200);
  });

  // Repro from the review of issue 7: accepting an invitation for an existing email set that account's
  // password, so a club admin could invite a platform admin's email and take the account over.
  it('never hands over an existing account: its owner must be logged in to accept, and keeps their password', async () => {
    const root = stores.accounts.createUser({
      email: 'root@platform.example',
      name: 'Root',
      passwordHash: await hashPassword('roots own password'),
      platformAdmin: true,
    });
    const invite = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/invitations',
      headers: { cookie: adminCookie },
      payload: { email: 'root@platform.example', role: 'coach' },
    });
    const { id } = invite.json();
    const hijack = await app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${id}/accept`,
      payload: { name: 'Mallory', password: 'mallorys password' },
    });
    expect(hijack.statusCode).toBe(409);
    expect(hijack.headers['set-cookie']).toBeUndefined();
    expect((await login('root@platform.example', 'mallorys password')).statusCode).toBe(401);
    const rootLogin = await login('root@platform.example', 'roots own password');
    expect(rootLogin.statusCode).toBe(200);
    // The owner, logged in, accepts: the role is added, nothing else changes.
    const accepted = await app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${id}/accept`,
      headers: { cookie: cookieOf(rootLogin) },
      payload: {},
    });
    expect(accepted.statusCode).toBe(201);
    expect(stores.accounts.getUser(root.id)!.memberships).toEqual([{ club: 'club-a', role: 'coach', athlete: null }]);
    expect((await login('root@platform.example', 'roots own password')).statusCode).toBe(200);
  });

  it('refuses an invitation accepted by someone logged in as another account', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/invitations',
      headers: { cookie: adminCookie },
      payload: { email: 'fresh@club-a.example', role: 'coach' },
    });
    const someoneElse = sessionCookie(stores, { membership: { club: 'club-a', role: 'coach', athlete: null } });
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/invitations/${created.json().id}/accept`,
      headers: { cookie: someoneElse },
      payload: {},
    });
    expect(response.statusCode).toBe(409);
    expect(stores.accounts.findByEmail('fresh@club-a.example')).toBeNull();
  });

  it('refuses an expired invitation, a partner invited by a club admin, and an athlete invitation without its member', async () => {
    const token = stores.accounts.createInvitation({
      club: 'club-a',
      role: 'coach',
      email: 'late@club-a.example',
      athlete: null,
      expiresMs: Date.now() - 1,
      invitedBy: 'test',
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/v1/invitations/${token}/accept`,
          payload: { name: 'Late', password: 'too late anyway' },
        })
      ).statusCode,
    ).toBe(404);
    const invite = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/clubs/club-a/invitations', headers: { cookie: adminCookie }, payload });
    expect((await invite({ email: 'startup@example.org', role: 'partner' })).statusCode).toBe(403);
    expect((await invite({ email: 'someone@example.org', role: 'athlete' })).statusCode).toBe(400);
    expect((await invite({ email: 'someone@example.org', role: 'athlete', athlete: 'nobody' })).statusCode).toBe(404);
  });

  it('issues gateway credentials once, lists them without the password, and revokes them', async () => {
    const issued = await app.inject({
      method: 'POST',
      url: '/api/v1/clubs/club-a/gateways',
      headers: { cookie: adminCookie },
      payload: { id: 'room-1' },
    });
    expect(issued.statusCode).toBe(201);
    const { username, password } = issued.json();
    expect(username).toBe('club-a.room-1');
    expect(stores.mqttAccounts.authenticate(username, password)).toMatchObject({ kind: 'gateway', club: 'club-a', gateway: 'room-1' });
    const listed = await app.inject({ url: '/api/v1/clubs/club-a/gateways', headers: { cookie: adminCookie } });
    expect(listed.json().gateways).toEqual([{ id: 'room-1', username, createdMs: expect.any(Number), revokedMs: null }]);
    expect(listed.body).not.toContain(password);
    expect(
      (await app.inject({ method: 'DELETE', url: '/api/v1/clubs/club-a/gateways/room-1', headers: { cookie: adminCookie } })).statusCode,
    ).toBe(204);
    expect(stores.mqttAccounts.authenticate(username, password)).toBeNull();
    expect(
      (await app.inject({ method: 'DELETE', url: '/api/v1/clubs/club-a/gateways/room-1', headers: { cookie: adminCookie } })).statusCode,
    ).toBe(404);
  });

  it('refuses a write whose Origin is another site', async () => {
    const response = await login('coach@club-a.example', PASSWORD, { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('SC_ERR_FORBIDDEN_ORIGIN');
  });

  it('answers every error as JSON with a code, without echoing a long path or a stack', async () => {
    const longPath = `/api/v1/${'x'.repeat(3000)}`;
    const notFound = await app.inject(longPath);
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ code: 'SC_ERR_NOT_FOUND', message: 'no such resource' });
    const tooLarge = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@b.example', password: 'x'.repeat(100_000) },
    });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().code).toBe('SC_ERR_PAYLOAD_TOO_LARGE');
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.statusCode).toBe(415);
    expect(notJson.json().code).toBe('SC_ERR_UNSUPPORTED_MEDIA_TYPE');
    const brokenJson = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(brokenJson.statusCode).toBe(400);
    expect(brokenJson.body).not.toMatch(/at .*\.js|Unexpected end/);
    const extra = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@b.example', password: 'x', admin: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/admin/);
  });
});

describe('login attempts', () => {
  it('are limited per address, with a coded 429', async () => {
    const stores = await openTestStores();
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    const app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', LOGIN_ATTEMPTS_PER_MINUTE: 3 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(
        (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@y.example', password: 'guess' } })).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x@y.example', password: 'guess' } });
    expect(limited.json()).toEqual({ code: 'SC_ERR_RATE_LIMITED', message: 'too many requests; wait a little' });
    await app.close();
    await stores.close();
  });
});

describe('behind a reverse proxy that speaks HTTPS (TRUST_PROXY)', () => {
  it('sets a Secure cookie and counts login attempts per client, not per proxy', async () => {
    const stores = await openTestStores();
    stores.accounts.createUser({ email: 'p@club.example', name: 'P', passwordHash: await hashPassword(PASSWORD) });
    const live = new LiveHub({
      brokerUrl: 'mqtt://127.0.0.1:1',
      registry: stores.registry,
      logger: testLogger,
      staleAfterMs: 10_000,
      windowMs: 60_000,
    });
    const app = buildApp(
      { DASHBOARD_DIR: '/nonexistent', TRUST_PROXY: true, LOGIN_ATTEMPTS_PER_MINUTE: 2 },
      { ...stores, metricsRegistry: new MetricsRegistry(), live, logger: testLogger },
    );
    const from = (client: string) => ({ 'x-forwarded-for': client, 'x-forwarded-proto': 'https' });
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: from('203.0.113.1'),
      payload: { email: 'p@club.example', password: PASSWORD },
    });
    expect(String(ok.headers['set-cookie'])).toMatch(/; Secure/);
    const guesses = [];
    for (let i = 0; i < 3; i++)
      guesses.push(
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            headers: from('198.51.100.7'),
            payload: { email: 'p@club.example', password: 'guess' },
          })
        ).statusCode,
      );
    expect(guesses).toEqual([401, 401, 429]);
    // Another client behind the same proxy is not held back by the guesser.
    const other = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: from('203.0.113.9'),
      payload: { email: 'p@club.example', password: PASSWORD },
    });
    expect(other.statusCode).toBe(200);
    await app.close();
    await stores.close();
  });
});
