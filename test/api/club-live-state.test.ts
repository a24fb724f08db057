import { describe, expect, it } from 'vitest';
import { ClubLiveState, MAX_DEVICES_PER_CLUB, MAX_UNPAIRED_TILES } from '../../api/live/club-live-state.ts';
import type { Athlete } from '../../protocol/api.ts';
import { installExtensionKinds, uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { KindSpec } from '../../protocol/device-kit/kind-spec.ts';

const T0 = Date.UTC(2026, 0, 1, 18, 0, 0);
const profile = {
  displayName: null,
  birthYear: null,
  sex: null,
  weightKg: null,
  consentMs: null,
  maxHrEstimated: false,
  alias: null,
  screenPrivacy: 'name',
  screenHideKcal: false,
  weeklyPointsGoal: null,
} as const;
const ann: Athlete = { ...profile, id: 'ann', name: 'Ann', restHrBpm: 50, maxHrBpm: 200, devices: ['hrm-ann'] };
const bob: Athlete = { ...profile, id: 'bob', name: 'Bob', restHrBpm: 50, maxHrBpm: 180, devices: ['hrm-bob'] };
const newState = () => new ClubLiveState({ staleAfterMs: 10_000, windowMs: 5_000, tickMs: 1000 });

describe('club live state', () => {
  it('shows a plugin device’s tile fields on its wearer’s tile while fresh, and keeps a plugin-only device alive', () => {
    installExtensionKinds('live-test', [
      KindSpec.parse({
        name: 'acme.muscle_oxygen',
        label: 'Muscle oxygen',
        fields: [
          { name: 'smo2Percent', label: 'SmO₂', unit: '%', min: 0, max: 100 },
          { name: 'thbGramsPerDecilitre', label: 'THb', unit: 'g/dL', min: 0, max: 40 },
        ],
        tile: ['smo2Percent'],
      }),
    ]);
    try {
      const state = newState();
      const annWithSensor = { ...ann, devices: ['hrm-ann', 'oxa-ann'] };
      state.applySample({ device: 'hrm-ann', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 150 } });
      state.applySample({
        device: 'oxa-ann',
        timeMs: T0,
        kind: 'acme.muscle_oxygen',
        values: { smo2Percent: 64.2, thbGramsPerDecilitre: 12 },
      });
      state.applySample({
        device: 'oxa-ann',
        timeMs: T0 + 1000,
        kind: 'acme.muscle_oxygen',
        values: { smo2Percent: 61, thbGramsPerDecilitre: 12 },
      });
      const [tile] = state.tiles([annWithSensor], T0 + 2000);
      expect(tile).toMatchObject({ heartRateBpm: 150, device: 'hrm-ann', state: 'live' });
      // Only what the kind shows on a tile, the latest value.
      expect(tile!.metrics).toEqual([{ kind: 'acme.muscle_oxygen', field: 'smo2Percent', label: 'SmO₂', unit: '%', value: 61 }]);
      // Silent past the stale limit: the value goes rather than lie.
      expect(state.tiles([annWithSensor], T0 + 12_000)[0]!.metrics).toEqual([]);
      // A device sending only plugin samples is not forgotten as silent, and shows on a tile of its own when unpaired.
      state.forgetSilentDevices(T0 + 4000);
      expect(state.tiles([], T0 + 4000).find((one) => one.id === 'device:oxa-ann')?.metrics).toHaveLength(1);
    } finally {
      uninstallExtensionKinds('live-test');
    }
  });

  it('computes % of max and zone from each member profile, and says who has not sent anything yet', () => {
    const state = newState();
    state.applySample({ device: 'hrm-ann', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 170, sensorContact: 'detected' } });
    const [annTile, bobTile] = state.tiles([ann, bob], T0 + 2000);
    expect(annTile).toMatchObject({ heartRateBpm: 170, percentOfMax: 85, zone: 4, state: 'live', sinceLastSampleS: 2 });
    expect(bobTile).toMatchObject({ heartRateBpm: null, zone: null, state: 'waiting' });
  });

  it('shows a lost sensor and a silent strap as such, without a number', () => {
    const state = newState();
    state.applySample({ device: 'hrm-ann', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 0, sensorContact: 'not-detected' } });
    state.applySample({ device: 'hrm-bob', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 120 } });
    const [annTile, bobTile] = state.tiles([ann, bob], T0 + 11_000);
    expect(bobTile).toMatchObject({ state: 'stale', heartRateBpm: null });
    expect(state.tiles([ann], T0 + 1000)[0]).toMatchObject({ state: 'contact-lost', heartRateBpm: null, zone: null });
    expect(annTile!.state).toBe('stale');
  });

  it('moves an unpaired strap’s chart line to its wearer once it is paired', () => {
    const state = newState();
    state.applySample({ device: 'walk-in', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 99 } });
    state.appendFrame(state.tiles([ann], T0), T0);
    expect(Object.keys(state.chartSnapshot().series).sort()).toEqual(['ann', 'device:walk-in']);
    const annWearingIt = { ...ann, devices: ['hrm-ann', 'walk-in'] };
    state.applySample({ device: 'walk-in', timeMs: T0 + 1000, kind: 'heart_rate', values: { heartRateBpm: 101 } });
    state.appendFrame(state.tiles([annWearingIt], T0 + 1000), T0 + 1000);
    expect(state.chartSnapshot().series).toEqual({ ann: [99, 101] });
  });

  it('adds a tile for a strap nobody is paired with', () => {
    const state = newState();
    state.applySample({ device: 'mystery', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 99 } });
    const tiles = state.tiles([ann], T0);
    expect(tiles.map((t) => t.id)).toEqual(['ann', 'device:mystery']);
    expect(tiles[1]).toMatchObject({ paired: false, heartRateBpm: 99, percentOfMax: null });
  });

  it('ignores a late sample older than what it already shows', () => {
    const state = newState();
    state.applySample({ device: 'hrm-ann', timeMs: T0 + 5000, kind: 'heart_rate', values: { heartRateBpm: 150 } });
    state.applySample({ device: 'hrm-ann', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 90 } });
    expect(state.tiles([ann], T0 + 5000)[0]!.heartRateBpm).toBe(150);
  });

  it('keeps a chart of the last window, one column per tile, null where there was no live reading', () => {
    const state = newState();
    for (let s = 0; s < 8; s++) {
      if (s !== 3) state.applySample({ device: 'hrm-ann', timeMs: T0 + s * 1000, kind: 'heart_rate', values: { heartRateBpm: 100 + s } });
      else
        state.applySample({
          device: 'hrm-ann',
          timeMs: T0 + s * 1000,
          kind: 'heart_rate',
          values: { heartRateBpm: 0, sensorContact: 'not-detected' },
        });
      state.appendFrame(state.tiles([ann], T0 + s * 1000), T0 + s * 1000);
    }
    const chart = state.chartSnapshot();
    expect(chart.t).toEqual([3, 4, 5, 6, 7].map((s) => T0 + s * 1000));
    expect(chart.series.ann).toEqual([null, 104, 105, 106, 107]);
  });

  it('shows at most MAX_UNPAIRED_TILES unknown straps, the most recent, and forgets straps silent for a window', () => {
    const state = newState();
    // Repro from issue 7: 1,000 made-up straps in one message became 1,000 permanent tiles.
    for (let i = 0; i < 1000; i++)
      state.applySample({ device: `fake-${i}`, timeMs: T0 + i, kind: 'heart_rate', values: { heartRateBpm: 100 } });
    const tiles = state.tiles([ann], T0 + 2000);
    expect(tiles).toHaveLength(1 + MAX_UNPAIRED_TILES);
    expect(tiles.slice(1).every((tile) => Number(tile.device!.slice(5)) >= 1000 - MAX_UNPAIRED_TILES)).toBe(true);
    state.appendFrame(tiles, T0 + 2000);
    state.forgetSilentDevices(T0 + 1000 + 5_000 + 1);
    expect(state.tiles([ann], T0 + 7000)).toHaveLength(1);
    // Their chart lines go once they are empty for the window; a member's line stays.
    for (let tick = 1; tick <= 6; tick++) state.appendFrame(state.tiles([ann], T0 + 2000 + tick * 1000), T0 + 2000 + tick * 1000);
    state.forgetSilentDevices(T0 + 9000);
    expect(Object.keys(state.chartSnapshot().series)).toEqual(['ann']);
  });

  it('remembers a bounded number of straps however many a gateway reports', () => {
    const state = newState();
    for (let i = 0; i < MAX_DEVICES_PER_CLUB + 500; i++)
      state.applySample({ device: `fake-${i}`, timeMs: T0 + i, kind: 'battery', values: { batteryPercent: 50 } });
    state.applySample({ device: 'hrm-ann', timeMs: T0 + 10_000, kind: 'heart_rate', values: { heartRateBpm: 150 } });
    expect(state.devicesHeld).toBe(MAX_DEVICES_PER_CLUB);
    expect(state.tiles([ann], T0 + 10_000)[0]).toMatchObject({ heartRateBpm: 150, state: 'live' });
  });
});
