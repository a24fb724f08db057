import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  AcceptInvitation,
  InvitationParams,
  InvitationView,
  LoginRequest,
  Me,
  NoBody,
  NoQuery,
  PasswordChange,
} from '../../protocol/api.ts';
import type { User } from '../../store/accounts.ts';
import { hashPassword, verifyPassword } from '../../store/secrets.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireUser } from '../auth/club-access.ts';
import { SESSION_COOKIE } from '../auth/principal.ts';
import { ApiError } from '../errors.ts';

// A hash to compare against when the email is unknown, so a wrong email takes as long as a wrong password.
const UNKNOWN_USER_HASH = hashPassword('no such user: the time is spent anyway');

/** Login, logout, who am I, password change, and accepting an invitation (the one route open to strangers with a token). */
export function registerAuthRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const loginLimit = { rateLimit: { max: settings.loginAttemptsPerMinute, timeWindow: 60_000 } };

  app.post('/api/v1/auth/login', { config: loginLimit, schema: { body: LoginRequest, response: { 200: Me } } }, async (request, reply) => {
    const found = deps.accounts.findByEmail(request.body.email);
    const matches = await verifyPassword(request.body.password, found?.passwordHash ?? (await UNKNOWN_USER_HASH));
    if (!found?.passwordHash || !matches) {
      request.log.info({ email: request.body.email.slice(0, 254) }, 'login refused');
      throw new ApiError('SC_ERR_LOGIN_FAILED');
    }
    startSession(request, reply, found, deps, settings);
    return meOf(found);
  });

  app.post('/api/v1/auth/logout', { schema: { querystring: NoQuery, body: NoBody } }, async (request, reply) => {
    if (request.principal?.kind === 'user') deps.accounts.deleteSession(request.principal.sessionToken);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/me', { schema: { querystring: NoQuery, response: { 200: Me } } }, async (request) =>
    meOf(requireUser(request).user),
  );

  app.post(
    '/api/v1/auth/password',
    { config: loginLimit, schema: { body: PasswordChange, response: { 200: Me } } },
    async (request, reply) => {
      const { user } = requireUser(request);
      const stored = deps.accounts.findByEmail(user.email);
      if (!stored?.passwordHash || !(await verifyPassword(request.body.currentPassword, stored.passwordHash))) {
        throw new ApiError('SC_ERR_LOGIN_FAILED', 'the current password is wrong');
      }
      // Every session ends with the old password, this one included; the answer carries a new one.
      deps.accounts.setPassword(user.id, await hashPassword(request.body.newPassword));
      deps.accounts.audit({ actor: user.id, action: 'password-changed', subject: user.id });
      startSession(request, reply, user, deps, settings);
      return meOf(user);
    },
  );

  app.get(
    '/api/v1/invitations/:token',
    { config: loginLimit, schema: { params: InvitationParams, response: { 200: InvitationView } } },
    async (request) => {
      const invitation = deps.accounts.findInvitation(request.params.token);
      if (!invitation) throw new ApiError('SC_ERR_NOT_FOUND', 'this invitation is unknown, used or expired: ask for a new one');
      return { club: invitation.club, role: invitation.role, email: invitation.email, expiresMs: invitation.expiresMs };
    },
  );

  app.post(
    '/api/v1/invitations/:token/accept',
    { config: loginLimit, schema: { params: InvitationParams, body: AcceptInvitation, response: { 201: Me } } },
    async (request, reply) => {
      // Someone who has an account accepts while logged in as it: the role is added, nothing else changes.
      const loggedIn = request.principal?.kind === 'user' ? request.principal.user : null;
      const { name, password } = request.body;
      if (!loggedIn && (!name || !password))
        throw new ApiError('SC_ERR_VALIDATION', 'invalid body: name and password are required to join');
      const acceptor = loggedIn ? { existingUserId: loggedIn.id } : { name: name!, passwordHash: await hashPassword(password!) };
      const user = deps.accounts.acceptInvitation(request.params.token, acceptor);
      if (user === 'log-in-first') {
        throw new ApiError(
          'SC_ERR_CONFLICT',
          'this invitation is for an email that has an account: log in as it, then open the link again',
        );
      }
      if (!user) throw new ApiError('SC_ERR_NOT_FOUND', 'this invitation is unknown, used or expired: ask for a new one');
      deps.accounts.audit({ actor: user.id, action: 'invitation-accepted', subject: user.id });
      if (!loggedIn) startSession(request, reply, user, deps, settings);
      return reply.status(201).send(meOf(user));
    },
  );
}

/** A new login session in an HttpOnly cookie: SameSite=Lax keeps other sites' forms from using it, Secure under HTTPS. */
function startSession(request: FastifyRequest, reply: FastifyReply, user: User, deps: ApiDeps, settings: ApiSettings): void {
  const token = deps.accounts.createSession(user.id, settings.sessionTtlMs);
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: Math.floor(settings.sessionTtlMs / 1000),
  });
}

export function meOf(user: User): z.infer<typeof Me> {
  return {
    user: { id: user.id, email: user.email, name: user.name, platformAdmin: user.platformAdmin },
    memberships: user.memberships,
  };
}
