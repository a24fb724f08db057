import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keytelKcalPerMinute } from '../../sport-science/energy-expenditure.ts';
import { percentOfReserve, zonePercent } from '../../sport-science/heart-rate-zones.ts';
import { rmssdMs, sdnnMs } from '../../sport-science/rr-variability.ts';
import {
  computeSessionMetrics,
  type HeartRatePoint,
  highestSustained,
  type Physiology,
  spansOf,
} from '../../sport-science/session-metrics.ts';

// Expected values computed by hand (and with a calculator): docs/metrics.md has the formulas.

const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);
const MALE_30: Physiology = { sex: 'male', ageYears: 30, weightKg: 70, restHrBpm: 60, maxHrBpm: 190 };

/** One sample a second from `startS`, at a constant heart rate. */
const steady = (startS: number, seconds: number, bpm: number): HeartRatePoint[] =>
  Array.from({ length: seconds }, (_, second) => ({ timeMs: T0 + (startS + second) * 1000, heartRateBpm: bpm }));

describe('session metrics', () => {
  it('give every number of ten minutes at 150 bpm', () => {
    const metrics = computeSessionMetrics(steady(0, 600, 150), MALE_30, 'percent-max');
    expect(metrics).toEqual({
      durationS: 600,
      avgHr: 150,
      maxHr: 150,
      timeInZoneS: [0, 0, 600, 0, 0], // 150/190 = 79 % of max: Z3
      kcal: 142, // (−55.0969 + 0.6309·150 + 0.1988·70 + 0.2017·30) / 4.184 = 14.22 kcal/min × 10
      trimpBanister: 16.7, // x = 90/130 = 0.6923; 10 min × x × 0.64·e^(1.92x) = 16.74
      trimpEdwards: 30, // 10 min in zone 3
      points: 30, // 3 a minute in Z3
      rmssdMs: null,
      sdnnMs: null,
      hrr60Bpm: null, // never at 80 % of max (152 bpm): no effort to recover from
      suggestedMaxHrBpm: null,
      notes: [],
    });
  });

  it('count zones by heart-rate reserve when the club chooses Karvonen', () => {
    expect(percentOfReserve(150, 60, 190)).toBe(69); // (150 − 60) / (190 − 60)
    const metrics = computeSessionMetrics(steady(0, 600, 150), MALE_30, 'reserve');
    expect(metrics.timeInZoneS).toEqual([0, 600, 0, 0, 0]);
    expect(metrics.points).toBe(20);
    expect(metrics.trimpEdwards).toBe(30); // Edwards is defined on % of max whatever the zones
    expect(zonePercent(150, { maxHrBpm: 190, restHrBpm: null }, 'reserve')).toBeNull();
  });

  it('use the women’s Banister weighting and Keytel equation for a woman', () => {
    const woman: Physiology = { sex: 'female', ageYears: 30, weightKg: 60, restHrBpm: 60, maxHrBpm: 190 };
    const metrics = computeSessionMetrics(steady(0, 600, 150), woman, 'percent-max');
    expect(metrics.trimpBanister).toBe(18.9); // 10 × 0.6923 × 0.86·e^(1.67 × 0.6923) = 18.92
    expect(metrics.kcal).toBe(99); // (−20.4022 + 0.4472·150 − 0.1263·60 + 0.074·30) / 4.184 × 10 = 98.76
  });

  it('say what they could not compute, and where a model is outside its range', () => {
    const unknown: Physiology = { sex: null, ageYears: 62, weightKg: null, restHrBpm: null, maxHrBpm: null };
    const metrics = computeSessionMetrics(steady(0, 60, 80), unknown, 'percent-max');
    expect(metrics).toMatchObject({ kcal: null, trimpBanister: null, trimpEdwards: null, points: null, timeInZoneS: [0, 0, 0, 0, 0] });
    expect(metrics.notes).toEqual([
      'zones need a maximum heart rate',
      'calories need sex, weight and age',
      'Banister TRIMP needs a resting and a maximum heart rate',
    ]);
    const older = computeSessionMetrics(steady(0, 60, 80), { ...MALE_30, ageYears: 62 }, 'percent-max');
    expect(older.notes).toEqual([
      'calories: the model was fitted on ages 18–45; 62 is outside',
      'calories: most of the time was below 90 bpm, where the model underestimates',
    ]);
  });

  it('leave gaps and lost contact out of the duration and the averages', () => {
    const points = [
      ...steady(0, 60, 100),
      { timeMs: T0 + 60_000, heartRateBpm: null }, // contact lost for 30 s
      ...steady(90, 30, 160),
      ...steady(300, 30, 130), // after a 3-minute silence
    ];
    const metrics = computeSessionMetrics(points, MALE_30, 'percent-max');
    expect(metrics.durationS).toBe(120);
    expect(metrics.avgHr).toBe(Math.round((60 * 100 + 30 * 160 + 30 * 130) / 120)); // 123
    expect(metrics.maxHr).toBe(160);
  });

  it('measure heart-rate recovery 60 s after the last effort', () => {
    const points = [...steady(0, 120, 170), ...steady(120, 90, 130)];
    expect(computeSessionMetrics(points, MALE_30, 'percent-max').hrr60Bpm).toBe(40); // 170 at 119 s, 130 at 179 s
    // The session ended during the effort: nothing to measure.
    expect(computeSessionMetrics(steady(0, 120, 170), MALE_30, 'percent-max').hrr60Bpm).toBeNull();
  });

  it('suggest a new maximum when a heart rate above the recorded one is held for 10 s, not for a spike', () => {
    const held = [...steady(0, 60, 170), ...steady(60, 15, 196), ...steady(75, 3, 205), ...steady(78, 60, 150)];
    expect(computeSessionMetrics(held, MALE_30, 'percent-max').suggestedMaxHrBpm).toBe(196);
    const spike = [...steady(0, 60, 170), ...steady(60, 5, 210), ...steady(65, 60, 150)];
    expect(computeSessionMetrics(spike, MALE_30, 'percent-max').suggestedMaxHrBpm).toBeNull();
  });
});

describe('the highest heart rate held for 10 s', () => {
  /** The plain definition: every stretch without a gap lasting 10 s, its lowest beat, the best of those. */
  const byDefinition = (points: HeartRatePoint[]) => {
    const spans = spansOf(points);
    let best: number | null = null;
    for (let start = 0; start < spans.length; start++) {
      let lowest = Number.POSITIVE_INFINITY;
      for (let end = start; end < spans.length; end++) {
        if (end > start && spans[end]!.timeMs !== spans[end - 1]!.timeMs + spans[end - 1]!.spanMs) break;
        lowest = Math.min(lowest, spans[end]!.heartRateBpm);
        if (spans[end]!.timeMs + spans[end]!.spanMs - spans[start]!.timeMs >= 10_000) {
          best = best === null ? lowest : Math.max(best, lowest);
          break;
        }
      }
    }
    return best;
  };

  it('is the plain definition’s answer on any recording, gaps and lost contact included', () => {
    const recording = fc.array(
      fc.record({
        gapMs: fc.constantFrom(250, 1000, 1000, 1000, 2000, 9000),
        bpm: fc.oneof(fc.integer({ min: 60, max: 210 }), fc.constant(null)),
      }),
      { maxLength: 120 },
    );
    fc.assert(
      fc.property(recording, (steps) => {
        let timeMs = T0;
        const points = steps.map((step) => {
          timeMs += step.gapMs;
          return { timeMs, heartRateBpm: step.bpm };
        });
        expect(highestSustained(spansOf(points), 10_000)).toBe(byDefinition(points));
      }),
      { numRuns: 500 },
    );
  });

  it('stays quick on a densely sampled file', () => {
    const dense = Array.from({ length: 200_000 }, (_, index) => ({ timeMs: T0 + index * 10, heartRateBpm: 100 + (index % 50) }));
    // A quadratic search would not finish within the test's time-out here.
    expect(computeSessionMetrics(dense, MALE_30, 'percent-max')).toMatchObject({ maxHr: 149, durationS: 2000 });
  });
});

describe('heart-rate variability', () => {
  /** 40 beats alternating 800 and 820 ms: every successive difference is 20 ms. */
  const alternating = Array.from({ length: 40 }, (_, index) => (index % 2 ? 820 : 800));

  it('is RMSSD and SDNN (sample SD) of clean beats', () => {
    expect(rmssdMs(alternating)).toBe(20);
    expect(sdnnMs(alternating)).toBeCloseTo(Math.sqrt(4000 / 39), 9); // 10.127
  });

  it('drops beats out of bounds or jumping more than 20 %, and never takes a difference across them', () => {
    const withArtefacts = [...alternating.slice(0, 20), 400, 2500, 1100, ...alternating.slice(20)];
    expect(rmssdMs(withArtefacts)).toBe(20);
    expect(sdnnMs(withArtefacts)).toBeCloseTo(Math.sqrt(4000 / 39), 9);
  });

  it('is not thrown off by a bad first beat, and follows a change of pace', () => {
    expect(rmssdMs([1500, ...alternating])).toBe(20);
    // Exercise (around 350 ms) then rest (around 800 ms): both halves keep their beats.
    const exercise = Array.from({ length: 200 }, (_, index) => (index % 2 ? 356 : 350));
    const rest = Array.from({ length: 200 }, (_, index) => (index % 2 ? 820 : 800));
    const beats = [...exercise, ...rest];
    const rmssd = rmssdMs(beats)!;
    // Differences of 6 and of 20 ms, in equal numbers, and the one jump between them dropped.
    expect(rmssd).toBeCloseTo(Math.sqrt((199 * 36 + 199 * 400) / 398), 0);
  });

  it('gives nothing from fewer than 30 clean beats', () => {
    expect(rmssdMs(alternating.slice(0, 29))).toBeNull();
  });

  it('comes from the RR intervals of the session', () => {
    const points = alternating.map((rr, index) => ({ timeMs: T0 + index * 1000, heartRateBpm: 75, rrIntervalsMs: [rr] }));
    expect(computeSessionMetrics(points, MALE_30, 'percent-max')).toMatchObject({ rmssdMs: 20, sdnnMs: 10.1 });
  });
});

describe('Keytel energy expenditure', () => {
  it('is never negative', () => {
    expect(keytelKcalPerMinute(40, { sex: 'male', weightKg: 50, ageYears: 20 })).toBe(0);
  });
});
