/**
 * Roles a person holds in one club. An athlete is a member (sees only themselves); a coach runs the
 * club's sessions and sees its members; an admin also manages its people and gateways; a partner is a
 * sports-tech start-up, whose access is its own demo club, as its admin. Platform admins (a flag on the
 * user, not a club role) run the installation. Plain constants (no zod), so the dashboard can use them.
 */
export const CLUB_ROLES = ['admin', 'coach', 'athlete', 'partner'] as const;
export type ClubRole = (typeof CLUB_ROLES)[number];

/** Roles that see every member of their club and its live view. */
export const STAFF_ROLES: readonly ClubRole[] = ['admin', 'coach', 'partner'];
/** Roles that manage their club's people, invitations and gateway credentials. */
export const MANAGER_ROLES: readonly ClubRole[] = ['admin', 'partner'];
