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

// ---- a member's page (api/routes/wellness-routes.ts)

export const TrainingEntry = z.object({
  source: z.enum(['session', 'upload']),
  /** The session's id (its report), or the upload's. */
  sourceId: z.string(),
  title: z.string(),
  startMs: z.number(),
  metrics: SessionMetrics,
});

export const WeekSummary = z.object({
  /** Monday 00:00 UTC. */
  weekStartMs: z.number(),
  sessions: z.number(),
  points: z.number(),
  kcal: z.number(),
  timeInZoneS: z.tuple([Seconds, Seconds, Seconds, Seconds, Seconds]),
});

export const LoadDay = z.object({
  dayMs: z.number(),
  load: z.number(),
  acute: z.number(),
  chronic: z.number(),
  /** Acute:chronic ratio, from the 28th day of data; a trend, never an injury prediction. */
  acwr: z.number().nullable(),
  trend: z.enum(['rising-fast', 'steady', 'falling']).nullable(),
  fitness: z.number(),
  fatigue: z.number(),
  form: z.number(),
});

export const ReadinessResult = z.object({
  atMs: z.number(),
  durationS: z.number(),
  rmssdMs: z.number(),
  lnRmssd: z.number(),
  restHrBpm: z.number(),
  status: z.enum(['baseline-building', 'as-usual', 'lower-than-usual', 'higher-than-usual']),
  baselineMean: z.number().nullable(),
  baselineSd: z.number().nullable(),
});
export type ReadinessResult = z.infer<typeof ReadinessResult>;

export const Wellness = z.object({
  athlete: AthleteId,
  /** The latest sessions and uploaded workouts, newest first. */
  recent: z.array(TrainingEntry),
  /** The last 8 weeks, oldest first, this week last. */
  weeks: z.array(WeekSummary),
  goal: z.object({ weeklyPoints: z.number().nullable(), thisWeekPoints: z.number(), streakWeeks: z.number() }),
  /** The last 42 days of training load, oldest first (empty before any training). */
  load: z.array(LoadDay),
  readiness: z.object({
    latest: ReadinessResult.nullable(),
    /** The last 30 days of checks: ln RMSSD and resting heart rate, oldest first. */
    history: z.array(z.object({ atMs: z.number(), lnRmssd: z.number(), restHrBpm: z.number() })),
  }),
});
export type Wellness = z.infer<typeof Wellness>;

/** A readiness check just taken: the window the athlete lay still, 2 to 5 minutes, within the last hour. */
export const ReadinessRequest = z
  .object({ fromMs: z.number().int().min(0), toMs: z.number().int().min(0) })
  .strict()
  .refine((window) => window.toMs - window.fromMs >= 120_000 && window.toMs - window.fromMs <= 300_000, {
    message: 'a readiness check lasts 2 to 5 minutes',
    path: ['toMs'],
  });

export const UploadId = z.string().regex(/^u_[0-9a-f]{24}$/, 'an uploaded workout’s id');
export const WorkoutUploaded = z.object({ id: UploadId, title: z.string(), startMs: z.number(), metrics: SessionMetrics });
export const WorkoutQuery = z.object({ title: z.string().trim().min(1).max(80).optional() }).strict();

// ---- challenges (api/routes/challenge-routes.ts)

export const ChallengeId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'a challenge id (lower case, digits, - and _)');
export const ChallengeCreate = z
  .object({ id: ChallengeId, title: z.string().trim().min(1).max(80), fromMs: z.number().int().min(0), toMs: z.number().int().min(0) })
  .strict()
  .refine((challenge) => challenge.toMs > challenge.fromMs && challenge.toMs - challenge.fromMs <= 366 * 86_400_000, {
    message: 'a challenge ends after it starts, within a year',
    path: ['toMs'],
  });
export const ChallengeView = z.object({
  id: ChallengeId,
  title: z.string(),
  fromMs: z.number(),
  toMs: z.number(),
  entrants: z.number(),
  /** Whether the asking athlete has opted in. */
  joined: z.boolean(),
});
export const Leaderboard = z.object({
  challenge: ChallengeView,
  /** Only athletes who opted in, by effort points in the challenge's period. */
  entries: z.array(z.object({ rank: z.number(), athlete: AthleteId, name: z.string(), points: z.number() })),
});

/** An IANA time zone (Europe/Paris), for the local time of exported activities. */
export const TimeZone = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone, e.g. Europe/Paris');
