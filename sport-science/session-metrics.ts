import type { SessionMetrics } from '../protocol/reports.ts';
import type { Athlete } from '../protocol/roster.ts';
import { KEYTEL_VALID_AGE_YEARS, KEYTEL_VALID_HR_BPM, keytelKcalPerMinute } from './energy-expenditure.ts';
import { percentOfMax, type ZoneModel, zoneForPercent, zonePercent } from './heart-rate-zones.ts';
import { rmssdMs, sdnnMs } from './rr-variability.ts';

// The numbers of one athlete's session, from their heart-rate samples: what the session report, the
// member's page and `sport-connect analyze` show. Every formula and choice is in docs/metrics.md.

export interface HeartRatePoint {
  timeMs: number;
  /** null: the strap lost skin contact (the time counts as a gap). */
  heartRateBpm: number | null;
  rrIntervalsMs?: readonly number[];
}

/** What the formulas need to know of the athlete; null where the club has not recorded it. */
export interface Physiology {
  sex: 'male' | 'female' | null;
  ageYears: number | null;
  weightKg: number | null;
  restHrBpm: number | null;
  maxHrBpm: number | null;
}

export type { SessionMetrics };

/** What the formulas need of an athlete, as of a moment (their age then). */
export function physiologyOf(
  athlete: Pick<Athlete, 'sex' | 'birthYear' | 'weightKg' | 'restHrBpm' | 'maxHrBpm'> | null,
  atMs: number,
): Physiology {
  return {
    sex: athlete?.sex ?? null,
    ageYears: athlete?.birthYear ? new Date(atMs).getUTCFullYear() - athlete.birthYear : null,
    weightKg: athlete?.weightKg ?? null,
    restHrBpm: athlete?.restHrBpm ?? null,
    maxHrBpm: athlete?.maxHrBpm ?? null,
  };
}

/** A sample covers the time until the next one, up to this: a longer silence is a gap, not effort. */
export const MAX_SAMPLE_SPAN_MS = 5000;
/** Effort points per minute in Z1…Z5 (our scheme, docs/metrics.md): steady hard work is rewarded, all-out no more than threshold. */
export const POINTS_PER_MINUTE = [1, 2, 3, 4, 4] as const;
/** Banister's weighting of the heart-rate reserve fraction x: k·e^(b·x), by sex; unknown sex: their mean. */
const BANISTER = { male: { k: 0.64, b: 1.92 }, female: { k: 0.86, b: 1.67 }, unknown: { k: 0.75, b: 1.795 } } as const;
/** Heart-rate recovery: the drop this long after the end of the last effort. */
const HRR_DELAY_MS = 60_000;
/** How far from 60 s the later sample may be. */
const HRR_TOLERANCE_MS = 3000;
/** Effort is ≥ 80 % of the athlete's maximum (Z4+), or without one ≥ 90 % of the session's peak. */
const EFFORT_PERCENT_OF_MAX = 80;
const EFFORT_PERCENT_OF_PEAK = 90;
/** A new maximum is suggested when a heart rate above the recorded one is held this long. */
const SUSTAINED_MAX_MS = 10_000;

interface Span {
  timeMs: number;
  spanMs: number;
  heartRateBpm: number;
}

/** Each sample with the time it covers (to the next sample; before a gap and at the end: the typical spacing). */
export function spansOf(points: readonly HeartRatePoint[]): Span[] {
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  const gaps = sorted.slice(1).map((point, index) => point.timeMs - sorted[index]!.timeMs);
  const typical = median(gaps.filter((gap) => gap > 0 && gap <= MAX_SAMPLE_SPAN_MS)) ?? 1000;
  const spans: Span[] = [];
  for (const [index, point] of sorted.entries()) {
    if (point.heartRateBpm === null) continue;
    // Up to the next sample; before a gap (or at the end), the typical spacing: the sample's own beat.
    const untilNext = (sorted[index + 1]?.timeMs ?? Number.POSITIVE_INFINITY) - point.timeMs;
    const spanMs = untilNext > MAX_SAMPLE_SPAN_MS ? typical : untilNext;
    if (spanMs <= 0) continue; // a duplicate time
    spans.push({ timeMs: point.timeMs, spanMs, heartRateBpm: point.heartRateBpm });
  }
  return spans;
}

export function computeSessionMetrics(points: readonly HeartRatePoint[], athlete: Physiology, zoneModel: ZoneModel): SessionMetrics {
  const spans = spansOf(points);
  const notes: string[] = [];
  const minutes = (spanMs: number) => spanMs / 60_000;
  const durationMs = spans.reduce((sum, span) => sum + span.spanMs, 0);

  const timeInZoneMs = [0, 0, 0, 0, 0];
  const edwardsZoneMs = [0, 0, 0, 0, 0];
  for (const span of spans) {
    const percent = zonePercent(span.heartRateBpm, athlete, zoneModel);
    const zone = percent === null ? 0 : zoneForPercent(percent);
    if (zone > 0) timeInZoneMs[zone - 1]! += span.spanMs;
    // Edwards defined his TRIMP on % of maximum, whatever zones the club shows.
    const edwardsZone = athlete.maxHrBpm === null ? 0 : zoneForPercent(percentOfMax(span.heartRateBpm, athlete.maxHrBpm));
    if (edwardsZone > 0) edwardsZoneMs[edwardsZone - 1]! += span.spanMs;
  }
  const zonesKnown = zonePercent(100, athlete, zoneModel) !== null;
  if (!zonesKnown)
    notes.push(zoneModel === 'reserve' ? 'zones need a resting and a maximum heart rate' : 'zones need a maximum heart rate');

  let kcal: number | null = null;
  const { sex, weightKg, ageYears } = athlete;
  if (sex !== null && weightKg !== null && ageYears !== null) {
    kcal = spans.reduce((sum, span) => sum + keytelKcalPerMinute(span.heartRateBpm, { sex, weightKg, ageYears }) * minutes(span.spanMs), 0);
    if (ageYears < KEYTEL_VALID_AGE_YEARS[0] || ageYears > KEYTEL_VALID_AGE_YEARS[1])
      notes.push(`calories: the model was fitted on ages ${KEYTEL_VALID_AGE_YEARS.join('–')}; ${ageYears} is outside`);
    const belowModelMs = spans.filter((span) => span.heartRateBpm < KEYTEL_VALID_HR_BPM[0]).reduce((sum, span) => sum + span.spanMs, 0);
    if (belowModelMs > durationMs / 2)
      notes.push(`calories: most of the time was below ${KEYTEL_VALID_HR_BPM[0]} bpm, where the model underestimates`);
  } else notes.push('calories need sex, weight and age');

  let trimpBanister: number | null = null;
  const { restHrBpm, maxHrBpm } = athlete;
  if (restHrBpm !== null && maxHrBpm !== null && maxHrBpm > restHrBpm) {
    const { k, b } = BANISTER[sex ?? 'unknown'];
    trimpBanister = spans.reduce((sum, span) => {
      const x = Math.min(1, Math.max(0, (span.heartRateBpm - restHrBpm) / (maxHrBpm - restHrBpm)));
      return sum + minutes(span.spanMs) * x * k * Math.exp(b * x);
    }, 0);
  } else notes.push('Banister TRIMP needs a resting and a maximum heart rate');

  const rr = [...points].sort((a, b) => a.timeMs - b.timeMs).flatMap((point) => point.rrIntervalsMs ?? []);
  const maxSustained = highestSustained(spans, SUSTAINED_MAX_MS);
  return {
    durationS: round(durationMs / 1000, 0),
    avgHr: durationMs === 0 ? null : round(spans.reduce((sum, span) => sum + span.heartRateBpm * span.spanMs, 0) / durationMs, 0),
    maxHr: spans.length === 0 ? null : highest(spans),
    timeInZoneS: timeInZoneMs.map((ms) => round(ms / 1000, 0)) as SessionMetrics['timeInZoneS'],
    kcal: kcal === null ? null : round(kcal, 0),
    trimpBanister: trimpBanister === null ? null : round(trimpBanister, 1),
    trimpEdwards:
      maxHrBpm === null
        ? null
        : round(
            edwardsZoneMs.reduce((sum, ms, index) => sum + minutes(ms) * (index + 1), 0),
            1,
          ),
    points: zonesKnown ? Math.round(timeInZoneMs.reduce((sum, ms, index) => sum + minutes(ms) * POINTS_PER_MINUTE[index]!, 0)) : null,
    rmssdMs: roundOrNull(rmssdMs(rr), 1),
    sdnnMs: roundOrNull(sdnnMs(rr), 1),
    hrr60Bpm: heartRateRecovery(spans, maxHrBpm),
    suggestedMaxHrBpm: maxHrBpm !== null && maxSustained !== null && maxSustained > maxHrBpm ? maxSustained : null,
    notes,
  };
}

/**
 * The highest heart rate held for at least `holdMs` without a gap: over every shortest stretch lasting
 * that long, the lowest beat in it, and the best of those. Two pointers and a queue of candidate minima
 * keep it linear however densely a file is sampled.
 */
export function highestSustained(spans: readonly Span[], holdMs: number): number | null {
  let best: number | null = null;
  let start = 0;
  const minima: number[] = []; // indexes in [start, end] whose heart rates increase: the front is the minimum
  for (let end = 0; end < spans.length; end++) {
    if (end > 0 && spans[end]!.timeMs !== spans[end - 1]!.timeMs + spans[end - 1]!.spanMs) {
      start = end; // a gap: stretches start again
      minima.length = 0;
    }
    while (minima.length && spans[minima.at(-1)!]!.heartRateBpm >= spans[end]!.heartRateBpm) minima.pop();
    minima.push(end);
    const reach = spans[end]!.timeMs + spans[end]!.spanMs;
    // The shortest stretch ending here that still lasts holdMs: move its start as far as it allows.
    while (start < end && reach - spans[start + 1]!.timeMs >= holdMs) {
      start++;
      while (minima[0]! < start) minima.shift();
    }
    if (reach - spans[start]!.timeMs >= holdMs) {
      const lowest = spans[minima[0]!]!.heartRateBpm;
      if (best === null || lowest > best) best = lowest;
    }
  }
  return best;
}

/** Beats per minute lost in the 60 s after the last effort ended; null without effort or without data 60 s later. */
function heartRateRecovery(spans: readonly Span[], maxHrBpm: number | null): number | null {
  if (spans.length === 0) return null;
  const peak = highest(spans);
  const threshold = maxHrBpm !== null ? (maxHrBpm * EFFORT_PERCENT_OF_MAX) / 100 : (peak * EFFORT_PERCENT_OF_PEAK) / 100;
  const lastEffort = spans.findLast((span) => span.heartRateBpm >= threshold);
  if (!lastEffort) return null;
  const target = lastEffort.timeMs + HRR_DELAY_MS;
  let later: Span | null = null;
  for (const span of spans)
    if (Math.abs(span.timeMs - target) <= HRR_TOLERANCE_MS && (!later || Math.abs(span.timeMs - target) < Math.abs(later.timeMs - target)))
      later = span;
  return later ? lastEffort.heartRateBpm - later.heartRateBpm : null;
}

/** The highest heart rate of the spans (a loop: a spread of 200,000 arguments overflows the stack). */
function highest(spans: readonly Span[]): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const span of spans) if (span.heartRateBpm > best) best = span.heartRateBpm;
  return best;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));
