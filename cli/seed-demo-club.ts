import { recordSessionTraining } from '../api/reports/session-report.ts';
import { participantsOf } from '../api/routes/session-participants.ts';
import type { SimulatedMember } from '../simulators/roster.ts';
import { hashPassword, newSecret } from '../store/secrets.ts';
import type { Stores } from './open-stores.ts';

export const DEMO_CLUB = 'demo';
export const DEMO_COACH_EMAIL = 'coach@demo.sport-connect.invalid';
export const DEMO_ATHLETE_EMAIL = 'athlete@demo.sport-connect.invalid';

export interface DemoLogin {
  role: 'coach' | 'athlete';
  email: string;
  password: string;
}

/**
 * Registers the demo club with the simulated members, pairs each one with their strap, and creates a
 * demo coach and a demo athlete (the first member) with random passwords, returned to be shown once.
 * On later starts the accounts exist and nothing is returned. A production server refuses to start while
 * they exist (cli/production-checks.ts).
 */
export function seedDemoClub(stores: Pick<Stores, 'registry' | 'accounts'>, members: readonly SimulatedMember[]): Promise<DemoLogin[]> {
  const { registry } = stores;
  registry.upsertClub(DEMO_CLUB, 'Demo Club');
  for (const member of members) {
    registry.upsertAthlete(DEMO_CLUB, {
      id: member.id,
      name: member.name,
      restHrBpm: member.restHrBpm,
      maxHrBpm: member.maxHrBpm,
      sex: member.sex,
      birthYear: new Date().getUTCFullYear() - member.ageYears,
      weightKg: member.weightKg,
    });
    // Each member's own strap, paired from the epoch: a simulation that backfills the past finds its samples attributed too.
    if (!registry.hasDevice(DEMO_CLUB, member.deviceId))
      registry.createDevice(DEMO_CLUB, { id: member.deviceId, profile: 'heart_rate', label: `HRM of ${member.name}`, owner: member.id }, 0);
  }
  return createDemoAccounts(stores, members[0]!);
}

async function createDemoAccounts({ accounts }: Pick<Stores, 'accounts'>, athlete: SimulatedMember): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = [];
  for (const [role, email, name] of [
    ['coach', DEMO_COACH_EMAIL, 'Demo Coach'],
    ['athlete', DEMO_ATHLETE_EMAIL, athlete.name],
  ] as const) {
    if (accounts.findByEmail(email)) continue;
    const password = newSecret().slice(0, 16);
    const user = accounts.createUser({ email, name, passwordHash: await hashPassword(password), demo: true });
    accounts.setMembership(user.id, { club: DEMO_CLUB, role, athlete: role === 'athlete' ? athlete.id : null });
    logins.push({ role, email, password });
  }
  return logins;
}

/** Starts the demo's session at `startMs`, stopping (with its report) one an earlier start left running. */
export async function startDemoSession(
  stores: Pick<Stores, 'registry' | 'sessions' | 'timeSeries' | 'trainingLog'>,
  startMs: number,
): Promise<void> {
  const running = stores.sessions.runningSession(DEMO_CLUB);
  if (running) {
    const nowMs = Date.now();
    stores.sessions.stopSession(DEMO_CLUB, running.id, await participantsOf(stores, DEMO_CLUB, running.startMs, nowMs), nowMs);
    await recordSessionTraining(stores, DEMO_CLUB, stores.sessions.getSession(DEMO_CLUB, running.id)!);
  }
  stores.sessions.startSession(DEMO_CLUB, { title: 'HIIT 45 (demo)', group: null, coach: null, plan: 'hiit-45' }, startMs);
}
