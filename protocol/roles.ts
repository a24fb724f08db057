import { z } from 'zod';
import { CLUB_ROLES } from './role-sets.ts';

export { MANAGER_ROLES, STAFF_ROLES } from './role-sets.ts';

/** A person's role in one club (protocol/role-sets.ts says what each may do). */
export const ClubRole = z.enum(CLUB_ROLES);
export type ClubRole = z.infer<typeof ClubRole>;
