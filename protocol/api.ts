import { z } from 'zod';
import { DurationMs } from './env.ts';
import { AthleteId, ClubId, DeviceId } from './ids.ts';
import { SampleKindSchema } from './mqtt/telemetry.ts';
import { RejectionReason } from './mqtt/validate-telemetry.ts';

// Request and response schemas of the HTTP API (api/ validates with them, tests read with them).

export const Athlete = z.object({
  id: AthleteId,
  name: z.string().min(1).max(80),
  restHrBpm: z.number().int().min(25).max(120),
  maxHrBpm: z.number().int().min(100).max(230),
  devices: z.array(DeviceId),
});
export type Athlete = z.infer<typeof Athlete>;

export const Device = z.object({
  id: DeviceId,
  name: z.string().nullable(),
  athlete: AthleteId.nullable(),
});
export type Device = z.infer<typeof Device>;

export const ClubParams = z.object({ club: ClubId });
export const AthleteParams = z.object({ club: ClubId, athlete: AthleteId });

/** Ten thousand buckets: more than any chart draws, few enough to answer in one response. */
export const MAX_HISTORY_BUCKETS = 10_000;

export const HistoryQuery = z
  .object({
    kind: SampleKindSchema.default('heart_rate'),
    field: z
      .string()
      .regex(/^[A-Za-z]{1,40}$/)
      .default('heartRateBpm'),
    fromMs: z.coerce.number().int().min(0),
    toMs: z.coerce.number().int().min(0),
    bucket: DurationMs.pipe(z.number().int().min(1000, 'bucket must be at least 1s')).default(60_000),
  })
  .refine((q) => q.toMs > q.fromMs, { message: 'toMs must be after fromMs', path: ['toMs'] })
  .refine((q) => (q.toMs - q.fromMs) / q.bucket <= MAX_HISTORY_BUCKETS, {
    message: `range / bucket must not exceed ${MAX_HISTORY_BUCKETS} buckets: widen the bucket`,
    path: ['bucket'],
  });
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const HistoryResponse = z.object({
  athlete: AthleteId,
  kind: SampleKindSchema,
  field: z.string(),
  bucketMs: z.number(),
  t: z.array(z.number()),
  mean: z.array(z.number().nullable()),
  min: z.array(z.number().nullable()),
  max: z.array(z.number().nullable()),
  count: z.array(z.number()),
});

export const HeartRateZone = z.number().int().min(0).max(5);

/** One tile of the live group view, computed by the API; the browser only draws it. */
export const LiveAthlete = z.object({
  id: z.string(),
  name: z.string(),
  device: DeviceId.nullable(),
  paired: z.boolean(),
  heartRateBpm: z.number().nullable(),
  percentOfMax: z.number().nullable(),
  zone: HeartRateZone.nullable(),
  lastSampleMs: z.number().nullable(),
  /** Whole seconds since the strap last notified, at serverTimeMs. */
  sinceLastSampleS: z.number().nullable(),
  batteryPercent: z.number().nullable(),
  state: z.enum(['live', 'contact-lost', 'stale', 'waiting']),
});
export type LiveAthlete = z.infer<typeof LiveAthlete>;

export const LiveUpdate = z.object({
  club: ClubId,
  serverTimeMs: z.number(),
  athletes: z.array(LiveAthlete),
});
export type LiveUpdate = z.infer<typeof LiveUpdate>;

/** Heart rate of every tile over the last minutes, columnar: t then one column per athlete id. */
export const LiveChart = z.object({
  t: z.array(z.number()),
  series: z.record(z.string(), z.array(z.number().nullable())),
});
export type LiveChart = z.infer<typeof LiveChart>;

/** Why something sits in the dead letters: a rejected message, or a batch the store refused outright. */
export const DeadLetterReason = z.enum([...RejectionReason.options, 'store_rejected']);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;
