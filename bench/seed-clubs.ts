/** Clubs for a bench, written into a data folder before `sport-connect up` starts on it. */
import { openStores, type Stores } from '../cli/open-stores.ts';
import { hashPassword } from '../store/secrets.ts';
import { quietLogger } from './lib.ts';

export interface SeededClub {
  id: string;
  gateway: string;
  /** The gateway's MQTT login (the embedded broker requires one). */
  login: { username: string; password: string };
  /** Devices in order; device i is worn by athletes[i]. */
  devices: string[];
  athletes: string[];
}

export const BENCH_COACH = { email: 'coach@bench.sport-connect.invalid', password: 'bench-coach-password-1' };

/**
 * Clubs of `sizes[i]` members each, every member paired with a strap since the epoch, one gateway per
 * club, and a coach of the clubs in `coachOf`. `extra` may add data of its own to the open stores.
 */
export async function seedClubs(
  dataDir: string,
  sizes: readonly number[],
  coachOf: readonly string[] = [],
  extra?: (stores: Stores, clubs: SeededClub[]) => Promise<void>,
): Promise<SeededClub[]> {
  const stores = await openStores(dataDir, { STORE: 'sqlite', INFLUX_WRITE_API: 'auto' }, quietLogger);
  try {
    const clubs = stores.registry.atomically(() =>
      sizes.map((size, index) => {
        const id = `club-${String(index).padStart(3, '0')}`;
        stores.registry.upsertClub(id, `Bench club ${index}`);
        const athletes = Array.from({ length: size }, (_, i) => `${id}-a${String(i).padStart(2, '0')}`);
        const devices = athletes.map((athlete) => `hr-${athlete}`);
        athletes.forEach((athlete, i) => {
          stores.registry.upsertMember(id, { id: athlete, name: `Athlete ${i} of ${id}`, restHrBpm: 55, maxHrBpm: 190 });
          stores.registry.createDevice(id, { id: devices[i]!, profile: 'heart_rate', label: `Strap ${i}`, owner: athlete }, 0);
        });
        const gateway = `gw-${index}`;
        return { id, gateway, login: stores.mqttAccounts.issueGateway(id, gateway), devices, athletes };
      }),
    );
    if (coachOf.length > 0) {
      const coach = stores.accounts.createUser({
        email: BENCH_COACH.email,
        name: 'Bench Coach',
        passwordHash: await hashPassword(BENCH_COACH.password),
      });
      for (const club of coachOf) stores.accounts.setMembership(coach.id, { club, role: 'coach', athlete: null });
    }
    await extra?.(stores, clubs);
    return clubs;
  } finally {
    await stores.close();
  }
}
