import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { Accounts, User } from '../../store/accounts.ts';
import type { MqttAccounts } from '../../store/mqtt-accounts.ts';

/** Who is asking: a logged-in person, or a gateway with its MQTT credentials (it reads its club's pairings). */
export type Principal = { kind: 'user'; user: User; sessionToken: string } | { kind: 'gateway'; club: string; gateway: string };

export const SESSION_COOKIE = 'sc_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Resolves the session cookie, or HTTP Basic credentials of a gateway, into the request's principal. */
export function identify(request: FastifyRequest, deps: { accounts: Accounts; mqttAccounts: MqttAccounts }): Principal | null {
  const token = request.cookies[SESSION_COOKIE];
  if (token) {
    const user = deps.accounts.resolveSession(token);
    if (user) return { kind: 'user', user, sessionToken: token };
  }
  const basic = parseBasic(request.headers.authorization);
  if (basic) {
    const identity = deps.mqttAccounts.authenticate(basic.username, basic.password);
    if (identity?.kind === 'gateway') return { kind: 'gateway', club: identity.club, gateway: identity.gateway };
  }
  return null;
}

function parseBasic(header: string | undefined): { username: string; password: string } | null {
  if (!header?.startsWith('Basic ') || header.length > 1024) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
}
