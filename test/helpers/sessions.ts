import type { Stores } from '../../cli/open-stores.ts';
import type { Membership } from '../../store/accounts.ts';

let people = 0;

/**
 * A person with one role (or none, or platform admin) and a live login session, made straight in the
 * registry (no password hashing, so route tests stay fast): the cookie header a browser would send.
 */
export function sessionCookie(stores: Pick<Stores, 'accounts'>, who: { membership?: Membership; platformAdmin?: boolean }): string {
  const user = stores.accounts.createUser({
    email: `person-${++people}-${Date.now()}@test.invalid`,
    name: `Person ${people}`,
    passwordHash: null,
    platformAdmin: who.platformAdmin,
  });
  if (who.membership) stores.accounts.setMembership(user.id, who.membership);
  return `sc_session=${stores.accounts.createSession(user.id, 3_600_000)}`;
}
