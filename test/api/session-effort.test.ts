import { describe, expect, it } from 'vitest';
import { ClubLiveState, screenNameOf } from '../../api/live/club-live-state.ts';
import { SessionEffort } from '../../api/live/session-effort.ts';
import type { Athlete } from '../../protocol/roster.ts';
import { computeSessionMetrics, physiologyOf } from '../../sport-science/session-metrics.ts';

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);
const ann: Athlete = {
  id: 'ann',
  name: 'Ann-Marie Other',
  displayName: 'Ann M.',
  birthYear: new Date(T0).getUTCFullYear() - 30,
  sex: 'male',
  weightKg: 70,
  restHrBpm: 60,
  maxHrBpm: 190,
  maxHrEstimated: false,
  consentMs: null,
  alias: 'Rocket',
  screenPrivacy: 'name',
  screenHideKcal: false,
  weeklyPointsGoal: null,
  devices: ['hrm-ann'],
};

describe('the big screen’s session totals', () => {
  it('add up, sample by sample, to what the report computes from the stored samples, gaps and lost contact included', () => {
    const effort = new SessionEffort();
    effort.follow({ id: 's_session1', startMs: T0 });
    const second = (s: number, heartRateBpm: number | null) => ({ timeMs: T0 + s * 1000, heartRateBpm });
    const samples = [
      ...Array.from({ length: 300 }, (_, s) => second(s, 150)),
      second(300, null), // contact lost for 20 s
      ...Array.from({ length: 100 }, (_, s) => second(320 + s, 175)),
      // out of range for a minute
      ...Array.from({ length: 200 }, (_, s) => second(480 + s, 175)),
    ];
    for (const sample of samples) effort.add(ann, sample.timeMs, sample.heartRateBpm, 'percent-max');
    const report = computeSessionMetrics(samples, physiologyOf(ann, T0), 'percent-max');
    // The live totals credit a sample when the next arrives: the last one is still open.
    const live = effort.of(ann, 'percent-max');
    expect(report.points).toBe(35); // 5 min in Z3 (79 %) × 3 + 5 min in Z5 (92 %) × 4
    expect(live.points).toBe(report.points);
    expect(Math.abs(live.kcal! - report.kcal!)).toBeLessThanOrEqual(1);
  });

  it('start from zero with a new session, and ignore what came before its start', () => {
    const effort = new SessionEffort();
    effort.follow({ id: 's_first', startMs: T0 });
    effort.add(ann, T0, 150, 'percent-max');
    effort.add(ann, T0 + 60_000 - 1, 150, 'percent-max');
    effort.follow({ id: 's_second', startMs: T0 + 120_000 });
    effort.add(ann, T0 + 100_000, 150, 'percent-max');
    expect(effort.of(ann, 'percent-max')).toEqual({ kcal: 0, points: 0 });
    effort.follow(null);
    expect(effort.of(ann, 'percent-max')).toEqual({ kcal: null, points: null });
  });
});

describe('tiles on the shared screen', () => {
  it('name each athlete as they chose: display name, alias, initials, or a coloured tile only', () => {
    expect(screenNameOf(ann)).toBe('Ann M.');
    expect(screenNameOf({ ...ann, screenPrivacy: 'alias' })).toBe('Rocket');
    expect(screenNameOf({ ...ann, screenPrivacy: 'initials' })).toBe('A. M. O.');
    expect(screenNameOf({ ...ann, screenPrivacy: 'colour' })).toBeNull();
  });

  it('hide an athlete’s calories when they ask, and count zones by the club’s model', () => {
    const state = new ClubLiveState({ staleAfterMs: 10_000, windowMs: 60_000, tickMs: 1000 });
    state.applySample({ device: 'hrm-ann', timeMs: T0, kind: 'heart_rate', values: { heartRateBpm: 150 } });
    const context = { zoneModel: 'reserve' as const, effortOf: () => ({ kcal: 120, points: 30 }) };
    const [tile] = state.tiles([{ ...ann, screenHideKcal: true }], T0 + 500, context);
    expect(tile).toMatchObject({ heartRateBpm: 150, percentOfMax: 79, zone: 2, kcal: null, points: 30, screenName: 'Ann M.' });
  });
});
