import type { SimulatedMember } from '../simulators/roster.ts';
import type { Registry } from '../store/registry.ts';

export const DEMO_CLUB = 'demo';

/** Registers the demo club with the simulated members and pairs each one with their strap. */
export function seedDemoClub(registry: Registry, members: readonly SimulatedMember[]): void {
  registry.upsertClub(DEMO_CLUB, 'Demo Club');
  for (const member of members) {
    registry.upsertMember(DEMO_CLUB, { id: member.id, name: member.name, restHrBpm: member.restHrBpm, maxHrBpm: member.maxHrBpm });
    registry.upsertDevice(DEMO_CLUB, member.deviceId, `HRM of ${member.name}`);
    // Paired from the epoch: a simulation that backfills the past finds its samples attributed too.
    registry.pairDevice(DEMO_CLUB, member.deviceId, member.id, 0);
  }
}
