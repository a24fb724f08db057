import type { Athlete } from '../../protocol/roster.ts';
import { keytelKcalPerMinute } from '../../sport-science/energy-expenditure.ts';
import { type ZoneModel, zoneForPercent, zonePercent } from '../../sport-science/heart-rate-zones.ts';
import { MAX_SAMPLE_SPAN_MS, POINTS_PER_MINUTE, physiologyOf } from '../../sport-science/session-metrics.ts';

/** A strap notifies about once a second: the span the report gives a sample before a gap. */
const TYPICAL_SPAN_MS = 1000;

interface Totals {
  kcal: number;
  points: number;
  /** The previous heart-rate sample: it covers the time until the next one (as in the report). */
  last: { timeMs: number; heartRateBpm: number | null } | null;
}

/**
 * Calories and effort points of each athlete since the running session started, added up sample by
 * sample as they arrive, with the report's formulas (sport-science/). A view for the big screen: the
 * report recomputes from the stored samples, so totals lost with an API restart are not lost there.
 */
export class SessionEffort {
  private sessionId: string | null = null;
  private startMs = 0;
  private readonly totals = new Map<string, Totals>();

  /** Follows the club's running session: a new one starts from zero. */
  follow(session: { id: string; startMs: number } | null): void {
    if (session?.id === this.sessionId) return;
    this.sessionId = session?.id ?? null;
    this.startMs = session?.startMs ?? 0;
    this.totals.clear();
  }

  add(athlete: Athlete, timeMs: number, heartRateBpm: number | null, zoneModel: ZoneModel): void {
    if (this.sessionId === null || timeMs < this.startMs) return;
    const totals = this.totals.get(athlete.id) ?? { kcal: 0, points: 0, last: null };
    this.totals.set(athlete.id, totals);
    const last = totals.last;
    if (last && timeMs <= last.timeMs) return; // a late replay
    totals.last = { timeMs, heartRateBpm };
    if (!last || last.heartRateBpm === null) return;
    // As the report counts it: a sample covers the time to the next, or its own second before a gap.
    const minutes = (timeMs - last.timeMs > MAX_SAMPLE_SPAN_MS ? TYPICAL_SPAN_MS : timeMs - last.timeMs) / 60_000;
    const body = physiologyOf(athlete, timeMs);
    if (body.sex !== null && body.weightKg !== null && body.ageYears !== null)
      totals.kcal += keytelKcalPerMinute(last.heartRateBpm, { sex: body.sex, weightKg: body.weightKg, ageYears: body.ageYears }) * minutes;
    const percent = zonePercent(last.heartRateBpm, body, zoneModel);
    const zone = percent === null ? 0 : zoneForPercent(percent);
    if (zone > 0) totals.points += POINTS_PER_MINUTE[zone - 1]! * minutes;
  }

  forgetAthlete(athlete: string): void {
    this.totals.delete(athlete);
  }

  /** An athlete's totals so far: null without a session, or where the club lacks what the formula needs. */
  of(athlete: Athlete, zoneModel: ZoneModel): { kcal: number | null; points: number | null } {
    if (this.sessionId === null) return { kcal: null, points: null };
    const totals = this.totals.get(athlete.id);
    const body = physiologyOf(athlete, this.startMs);
    const kcalKnown = body.sex !== null && body.weightKg !== null && body.ageYears !== null;
    const zonesKnown = zonePercent(100, body, zoneModel) !== null;
    return {
      kcal: kcalKnown ? Math.round(totals?.kcal ?? 0) : null,
      points: zonesKnown ? Math.round(totals?.points ?? 0) : null,
    };
  }
}
