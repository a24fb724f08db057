import { z } from 'zod';
import { DurationMs } from './env.ts';
import { AthleteId, ClubId, DeviceId, GatewayId } from './ids.ts';
import { SampleKindSchema } from './mqtt/telemetry.ts';
import { RejectionReason } from './mqtt/validate-telemetry.ts';
import { ClubRole } from './roles.ts';

// Request and response schemas of the HTTP API (api/ validates with them, tests read with them).

export { Athlete, Device } from './roster.ts';

export const ClubParams = z.object({ club: ClubId });
/** For routes that take no query string or no body: anything sent is refused rather than ignored. */
export const NoQuery = z.object({}).strict();
export const NoBody = z.object({}).strict().nullish();
export const AthleteParams = z.object({ club: ClubId, athlete: AthleteId });

/** Ten thousand buckets: more than any chart draws, few enough to answer in one response. */
export const MAX_HISTORY_BUCKETS = 10_000;

export const HistoryQuery = z
  .object({
    kind: SampleKindSchema.default('heart_rate'),
    field: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/)
      .default('heartRateBpm'),
    fromMs: z.coerce.number().int().min(0),
    toMs: z.coerce.number().int().min(0),
    bucket: DurationMs.pipe(z.number().int().min(1000, 'bucket must be at least 1s')).default(60_000),
  })
  .strict()
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
export type HistoryResponse = z.infer<typeof HistoryResponse>;

export const HeartRateZone = z.number().int().min(0).max(5);

/** A plugin kind's value on a tile (its profile says which fields a tile shows). */
export const LiveMetric = z.object({ kind: z.string(), field: z.string(), label: z.string(), unit: z.string(), value: z.number() });
export type LiveMetric = z.infer<typeof LiveMetric>;

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
  /** How the shared screen names them, as the athlete chose (display name, alias or initials); null: a coloured tile only. */
  screenName: z.string().nullable(),
  /** Since the running session started; null without one, when the club lacks what the formula needs, or (kcal) when the athlete hides it. */
  kcal: z.number().nullable(),
  points: z.number().nullable(),
  /** Plugin devices' latest values (fresh ones only), for the fields their kinds show on a tile. */
  metrics: z.array(LiveMetric),
});
export type LiveAthlete = z.infer<typeof LiveAthlete>;

/** The club's running session as the big screen shows it: its clock, and the phase of its plan. */
export const LiveSession = z.object({
  id: z.string(),
  title: z.string(),
  startMs: z.number(),
  plan: z.string().nullable(),
  /** The plan's phase now ("interval 3") and the seconds left in it; null without a plan or once it is over. */
  phase: z.string().nullable(),
  phaseRemainingS: z.number().nullable(),
});

export const LiveUpdate = z.object({
  club: ClubId,
  serverTimeMs: z.number(),
  athletes: z.array(LiveAthlete),
  session: LiveSession.nullable(),
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

// ---- accounts (api/routes/auth-routes.ts, api/routes/club-admin-routes.ts)

/** A new password: long enough to resist guessing at our login rate limit, short enough to hash cheaply. */
export const NewPassword = z.string().min(10, 'at least 10 characters').max(256);
export const Email = z.email().max(254);

export const LoginRequest = z.object({ email: Email, password: z.string().min(1).max(256) }).strict();

export const MembershipView = z.object({ club: ClubId, role: ClubRole, athlete: AthleteId.nullable() });
export const Me = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), platformAdmin: z.boolean() }),
  memberships: z.array(MembershipView),
});
export type Me = z.infer<typeof Me>;

export const PasswordChange = z.object({ currentPassword: z.string().min(1).max(256), newPassword: NewPassword }).strict();

export const InvitationRequest = z
  .object({ email: Email, role: ClubRole, athlete: AthleteId.optional() })
  .strict()
  .refine((invitation) => (invitation.role === 'athlete') === (invitation.athlete !== undefined), {
    message: 'an athlete invitation names the member record (athlete), and only an athlete invitation does',
    path: ['athlete'],
  });
export const InvitationCreated = z.object({
  /** The one-time token: the invitation link carries it. */
  id: z.string(),
  url: z.string(),
  club: ClubId,
  role: ClubRole,
  email: z.string(),
  expiresMs: z.number(),
});
export const InvitationView = z.object({ club: ClubId, role: ClubRole, email: z.string(), expiresMs: z.number() });
export const InvitationParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'an invitation token') });
/** A newcomer chooses a name and a password; someone who has an account accepts while logged in, with an empty body. */
export const AcceptInvitation = z.object({ name: z.string().trim().min(1).max(80).optional(), password: NewPassword.optional() }).strict();

export const GatewayParams = z.object({ club: ClubId, gateway: GatewayId });
export const GatewayCreate = z.object({ id: GatewayId }).strict();
export const GatewayCredentials = z.object({ id: GatewayId, club: ClubId, username: z.string(), password: z.string() });
export const GatewayView = z.object({ id: GatewayId, username: z.string(), createdMs: z.number(), revokedMs: z.number().nullable() });

/** A device profile as GET /api/v1/profiles describes it (plugins' sources are not shown: they are server paths). */
export const ProfileSummary = z.object({
  name: z.string(),
  label: z.string(),
  vendor: z.string(),
  serviceUuid: z.string(),
  characteristics: z.array(z.object({ uuid: z.string(), name: z.string(), notify: z.boolean(), read: z.boolean() })),
  kinds: z.array(z.string()),
  builtIn: z.boolean(),
  /** Whether the simulator can play a virtual device of it. */
  simulated: z.boolean(),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

/** Kinds beyond the built-in ones, with what the dashboard needs to show them. */
export const ExtensionKindSummary = z.object({
  name: z.string(),
  label: z.string(),
  profile: z.string(),
  fields: z.array(z.object({ name: z.string(), label: z.string(), unit: z.string(), min: z.number(), max: z.number() })),
  tile: z.array(z.string()),
  chart: z.array(z.string()),
});
export type ExtensionKindSummary = z.infer<typeof ExtensionKindSummary>;

export const ProfilesResponse = z.object({ profiles: z.array(ProfileSummary), kinds: z.array(ExtensionKindSummary) });
export type ProfilesResponse = z.infer<typeof ProfilesResponse>;
