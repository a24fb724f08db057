import { z } from 'zod';
import { AthleteId } from './ids.ts';
import { Session, ZoneModel } from './roster.ts';

// What coaches and members read: a session's metrics per athlete, the session report, a member's
// wellness page. The numbers are computed by sport-science/ (docs/metrics.md).

const Seconds = z.number().min(0);
export const SessionMetrics = z.object({
  durationS: Seconds,
  avgHr: z.number().nullable(),
  maxHr: z.number().nullable(),
  /** Seconds in Z1…Z5. */
  timeInZoneS: z.tuple([Seconds, Seconds, Seconds, Seconds, Seconds]),
  kcal: z.number().nullable(),
  trimpBanister: z.number().nullable(),
  trimpEdwards: z.number().nullable(),
  points: z.number().nullable(),
  rmssdMs: z.number().nullable(),
  sdnnMs: z.number().nullable(),
  hrr60Bpm: z.number().nullable(),
  /** A maximum heart rate held above the athlete's recorded one: for the coach to consider. */
  suggestedMaxHrBpm: z.number().nullable(),
  /** What could not be computed, or rests on a model outside its validity, and why. */
  notes: z.array(z.string()),
});
export type SessionMetrics = z.infer<typeof SessionMetrics>;

/** A heart-rate curve at the chart's resolution: one mean per pixel column. */
export const HeartRateCurve = z.object({ t: z.array(z.number()), hr: z.array(z.number().nullable()) });

export const ReportAthlete = z.object({
  athlete: AthleteId,
  name: z.string(),
  maxHrBpm: z.number().nullable(),
  maxHrEstimated: z.boolean(),
  restHrBpm: z.number().nullable(),
  /** The lower bound of Z1…Z5 in bpm, for the zone bands of the chart; null without the numbers the model needs. */
  zoneFloorsBpm: z.array(z.number()).nullable(),
  metrics: SessionMetrics,
  curve: HeartRateCurve,
});
export type ReportAthlete = z.infer<typeof ReportAthlete>;

export const GroupSummary = z.object({
  athletes: z.number(),
  avgHr: z.number().nullable(),
  kcal: z.number(),
  points: z.number(),
  trimpBanister: z.number().nullable(),
  /** Mean seconds per athlete in Z1…Z5. */
  timeInZoneS: z.tuple([Seconds, Seconds, Seconds, Seconds, Seconds]),
});

export const SessionReport = z.object({
  session: Session,
  zoneModel: ZoneModel,
  /** Staff: every participant; an athlete: themselves. */
  athletes: z.array(ReportAthlete),
  /** Staff only: the group's totals and means. */
  group: GroupSummary.nullable(),
});
export type SessionReport = z.infer<typeof SessionReport>;

export const ReportQuery = z.object({ width: z.coerce.number().int().min(50).max(4000).default(800) }).strict();
