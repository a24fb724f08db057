import { describe, expect, it } from 'vitest';
import { AthleteResolver } from '../../ingest/athlete-resolver.ts';
import { openDatabase } from '../../store/database.ts';
import { Registry } from '../../store/registry.ts';

const HOUR = 3_600_000;

describe('who wore a device, as ingest tags samples', () => {
  function setUp() {
    const registry = new Registry(openDatabase(':memory:'));
    registry.upsertClub('club', 'Club');
    for (const id of ['ann', 'bob']) registry.upsertMember('club', { id, name: id, restHrBpm: 50, maxHrBpm: 190 });
    registry.createDevice('club', { id: 'belt', profile: 'heart_rate', label: 'pool belt', owner: null }, 0);
    let nowMs = 100 * HOUR;
    const resolver = new AthleteResolver(registry, () => nowMs);
    return { registry, resolver, setNow: (ms: number) => (nowMs = ms) };
  }

  it('answers as the pairing log does, at every time around its pairings', () => {
    const { registry, resolver } = setUp();
    registry.pairDevice('club', 'belt', 'ann', 90 * HOUR, 90 * HOUR);
    registry.pairDevice('club', 'belt', 'bob', 95 * HOUR, 95 * HOUR);
    resolver.refreshIfPairingsChanged();
    // Recent times come from the cached log, older ones from the registry itself: both as the registry says.
    for (const atMs of [0, 50 * HOUR, 90 * HOUR - 1, 90 * HOUR, 94 * HOUR, 95 * HOUR - 1, 95 * HOUR, 99 * HOUR, 101 * HOUR])
      expect(resolver.athleteAt('club', 'belt', atMs), `at ${atMs / HOUR} h`).toBe(registry.resolveAthlete('club', 'belt', atMs));
    expect(resolver.athleteAt('club', 'belt', 96 * HOUR)).toBe('bob');
    expect(resolver.athleteAt('club', 'nobody-wears-this', 96 * HOUR)).toBeNull();
  });

  it('stops tagging with a pairing as soon as it ends, not when its copy expires', () => {
    const { registry, resolver } = setUp();
    registry.pairDevice('club', 'belt', 'ann', 90 * HOUR, 90 * HOUR);
    resolver.refreshIfPairingsChanged();
    expect(resolver.athleteAt('club', 'belt', 100 * HOUR)).toBe('ann');
    // Ann is erased (her pairing ends now) by another part of the platform; the next group of messages sees it.
    registry.endPairingsOf('club', 'ann', 100 * HOUR - 1);
    resolver.refreshIfPairingsChanged();
    expect(resolver.athleteAt('club', 'belt', 100 * HOUR)).toBeNull();
    registry.pairDevice('club', 'belt', 'bob', 100 * HOUR, 100 * HOUR);
    resolver.refreshIfPairingsChanged();
    expect(resolver.athleteAt('club', 'belt', 100 * HOUR + 1)).toBe('bob');
  });

  it('moves its window on with the clock', () => {
    const { registry, resolver, setNow } = setUp();
    registry.pairDevice('club', 'belt', 'ann', 90 * HOUR, 90 * HOUR);
    resolver.refreshIfPairingsChanged();
    setNow(200 * HOUR);
    expect(resolver.athleteAt('club', 'belt', 199 * HOUR)).toBe('ann');
    expect(resolver.athleteAt('club', 'belt', 91 * HOUR)).toBe('ann');
  });
});
