import type { FastifyRequest } from 'fastify';
import { MANAGER_ROLES, STAFF_ROLES } from '../../protocol/roles.ts';
import type { Accounts } from '../../store/accounts.ts';
import { ApiError } from '../errors.ts';
import type { Principal } from './principal.ts';

/** What a principal may do in one club. */
export interface ClubAccess {
  /** Sees every member, the live view, the devices. */
  staff: boolean;
  /** Manages people, invitations and gateway credentials. */
  manager: boolean;
  /** The member record the principal is, for an athlete. */
  athlete: string | null;
  /** A gateway of this club (reads its pairings, nothing else). */
  gateway: boolean;
}

/** The principal's access to a club, or null when it has none at all. */
export function accessOf(principal: Principal | null, club: string): ClubAccess | null {
  if (!principal) return null;
  if (principal.kind === 'gateway') return principal.club === club ? { staff: false, manager: false, athlete: null, gateway: true } : null;
  if (principal.user.platformAdmin) return { staff: true, manager: true, athlete: null, gateway: false };
  const membership = principal.user.memberships.find((candidate) => candidate.club === club);
  if (!membership) return null;
  return {
    staff: STAFF_ROLES.includes(membership.role),
    manager: MANAGER_ROLES.includes(membership.role),
    athlete: membership.role === 'athlete' ? membership.athlete : null,
    gateway: false,
  };
}

export type ClubNeed = 'member' | 'staff' | 'manager' | 'staff-or-gateway';

/**
 * Checks a request against the club in its path: 401 without a login, 404 for a club the principal has
 * nothing to do with (another club's existence is not told), 403 when its role is not enough.
 */
export function requireClubAccess(request: FastifyRequest, club: string, need: ClubNeed): ClubAccess {
  if (!request.principal) throw new ApiError('SC_ERR_UNAUTHENTICATED');
  const access = accessOf(request.principal, club);
  if (!access) throw new ApiError('SC_ERR_NOT_FOUND', 'no such club');
  const allowed =
    need === 'manager'
      ? access.manager
      : need === 'staff'
        ? access.staff
        : need === 'staff-or-gateway'
          ? access.staff || access.gateway || access.athlete !== null
          : access.staff || access.athlete !== null;
  if (!allowed) throw new ApiError('SC_ERR_FORBIDDEN');
  return access;
}

/** A logged-in person, or 401. */
export function requireUser(request: FastifyRequest): Extract<Principal, { kind: 'user' }> {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw new ApiError('SC_ERR_UNAUTHENTICATED');
  return principal;
}

/** A platform admin, or 401/403. */
export function requirePlatformAdmin(request: FastifyRequest): void {
  if (!requireUser(request).user.platformAdmin) throw new ApiError('SC_ERR_FORBIDDEN');
}

/** A member may read one athlete: staff any of the club's, an athlete only themselves (others: 404). */
export function requireAthleteAccess(access: ClubAccess, athlete: string): void {
  if (access.staff || access.athlete === athlete) return;
  throw new ApiError('SC_ERR_NOT_FOUND', 'no such athlete');
}

/** Writes the audit log's line for what the logged-in person asked: `audit(request, action, club, subject)`. */
export const auditAs =
  (accounts: Pick<Accounts, 'audit'>) =>
  (request: FastifyRequest, action: string, club: string, subject: string): void =>
    accounts.audit({ actor: requireUser(request).user.id, action, club, subject });
