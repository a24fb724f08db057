import { z } from 'zod';
import { AthleteId, ClubId, DeviceId, TopicId } from './ids.ts';

// The club's roster on the wire (api/ validates with these, tests and the dashboard read with them).

/** How a club estimates the maximum heart rate of athletes who have not had it measured (sport-science/max-heart-rate.ts). */
export const MaxHrFormula = z.enum(['tanaka', 'fox', 'gellish']);
export type MaxHrFormula = z.infer<typeof MaxHrFormula>;

export const Sex = z.enum(['male', 'female']);
/** How a club counts heart-rate zones: % of the maximum, or % of the heart-rate reserve (Karvonen). */
export const ZoneModel = z.enum(['percent-max', 'reserve']);
/** How an athlete appears on the club's shared screen: their display name, an alias, initials, or a coloured tile only. */
export const ScreenPrivacy = z.enum(['name', 'alias', 'initials', 'colour']);
const Name = z.string().trim().min(1).max(80);
const thisYear = new Date().getUTCFullYear();

/** What a club records of an athlete; every field but the name may be unknown. */
const AthleteProfile = {
  name: Name,
  /** What the shared screen shows (a first name and initial, say); the name when absent. */
  displayName: Name.nullable(),
  birthYear: z
    .number()
    .int()
    .min(1900)
    .max(thisYear - 3)
    .nullable(),
  sex: Sex.nullable(),
  weightKg: z.number().min(15).max(300).nullable(),
  restHrBpm: z.number().int().min(25).max(120).nullable(),
  /** Measured maximum; absent: estimated from the birth year with the club's formula. */
  maxHrBpm: z.number().int().min(100).max(230).nullable(),
  /** When the athlete consented to the processing of their health data (GDPR art. 9); null: not (yet). */
  consentMs: z.number().int().min(0).nullable(),
  /** The name the shared screen shows with screenPrivacy "alias". */
  alias: Name.nullable(),
  screenPrivacy: ScreenPrivacy,
  /** Calories are not shown on the shared screen. */
  screenHideKcal: z.boolean(),
  /** Effort points a week the athlete aims for (their page counts the streak of weeks reaching it). */
  weeklyPointsGoal: z.number().int().min(1).max(10_000).nullable(),
};

export const Athlete = z.object({
  id: AthleteId,
  ...AthleteProfile,
  /** The maximum the platform uses: measured, or estimated (then maxHrEstimated is true); null without either. */
  maxHrBpm: z.number().int().min(80).max(240).nullable(),
  maxHrEstimated: z.boolean(),
  devices: z.array(DeviceId),
});
export type Athlete = z.infer<typeof Athlete>;

export const AthleteCreate = z
  .object({
    id: AthleteId,
    name: Name,
    displayName: AthleteProfile.displayName.optional(),
    birthYear: AthleteProfile.birthYear.optional(),
    sex: AthleteProfile.sex.optional(),
    weightKg: AthleteProfile.weightKg.optional(),
    restHrBpm: AthleteProfile.restHrBpm.optional(),
    maxHrBpm: AthleteProfile.maxHrBpm.optional(),
    consentMs: AthleteProfile.consentMs.optional(),
    alias: AthleteProfile.alias.optional(),
    screenPrivacy: AthleteProfile.screenPrivacy.optional(),
    screenHideKcal: AthleteProfile.screenHideKcal.optional(),
    weeklyPointsGoal: AthleteProfile.weeklyPointsGoal.optional(),
  })
  .strict();
export type AthleteCreate = z.infer<typeof AthleteCreate>;
export const AthletePatch = AthleteCreate.omit({ id: true }).partial().strict();
export type AthletePatch = z.infer<typeof AthletePatch>;

/** What a registered device is: a built-in kind of device, or a device plugin's profile (checked against the installed ones). */
export const BuiltInDeviceProfileName = z.enum(['heart_rate', 'cycling_power', 'cadence_speed', 'running', 'indoor_bike', 'treadmill']);
export const DeviceProfileName = z.union([
  BuiltInDeviceProfileName,
  z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/, 'a device profile name (sport-connect profiles lists them)'),
]);
export const Device = z.object({
  id: DeviceId,
  profile: DeviceProfileName,
  /** What is written on it ("Belt 12"). */
  label: z.string().max(40).nullable(),
  /** Its owner, whose it is whenever it shows up; null: the club's pool of loaner belts. */
  owner: AthleteId.nullable(),
  /** Who wears it now (the pairing log). */
  athlete: AthleteId.nullable(),
});
export type Device = z.infer<typeof Device>;
export const DeviceCreate = z
  .object({
    id: DeviceId,
    profile: DeviceProfileName.default('heart_rate'),
    label: z.string().trim().max(40).nullable().optional(),
    owner: AthleteId.nullable().optional(),
  })
  .strict();
export const DevicePatch = DeviceCreate.omit({ id: true }).partial().strict();

export const GroupId = TopicId.describe('group id');
export const Group = z.object({ id: GroupId, name: Name, athletes: z.array(AthleteId) });
export type Group = z.infer<typeof Group>;
export const GroupCreate = z.object({ id: GroupId, name: Name, athletes: z.array(AthleteId).max(500).default([]) }).strict();
export const GroupPatch = GroupCreate.omit({ id: true }).partial().strict();

export const SessionId = z.string().regex(/^s_[A-Za-z0-9_-]{6,32}$/, 'a session id');
/** Class plans a session may follow (sport-science/class-plans.ts): the big screen shows its phases. */
export const ClassPlanId = z.enum(['hiit-45']);
export type ClassPlanId = z.infer<typeof ClassPlanId>;
export const Session = z.object({
  id: SessionId,
  title: Name,
  group: GroupId.nullable(),
  /** The coach (a user id) who runs it, and their name. */
  coach: z.string().nullable(),
  coachName: z.string().nullable(),
  startMs: z.number(),
  /** null while it runs; stopping it freezes its participants and time range for the report. */
  stopMs: z.number().nullable(),
  participants: z.array(z.object({ athlete: AthleteId, joinedMs: z.number() })),
  plan: ClassPlanId.nullable(),
});
export type Session = z.infer<typeof Session>;
export const SessionStart = z
  .object({
    title: Name,
    group: GroupId.nullable().optional(),
    /** A session started late: it began this long ago (at most a day). Absent: now. */
    startMs: z.number().int().min(0).optional(),
    plan: ClassPlanId.nullable().optional(),
  })
  .strict();
export const SessionPatch = z.object({ title: Name, group: GroupId.nullable() }).partial().strict();
/** A page of a club's sessions, newest first: the next page starts before the last one's startMs. */
export const SessionListQuery = z
  .object({
    beforeMs: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
/** The loaner log over at most this long a range (a month of a club's check-ins). */
export const PAIRING_LOG_MAX_RANGE_MS = 31 * 86_400_000;

/** How far back a late pairing may attach samples, or a late session start reach: the day's sessions, not an old history. */
export const MAX_BACKDATE_MS = 24 * 3_600_000;

export const Pairing = z.object({
  /** "{device}@{fromMs}": a pairing is one device worn from one moment. */
  id: z.string(),
  device: DeviceId,
  athlete: AthleteId,
  fromMs: z.number(),
  toMs: z.number().nullable(),
});
export type Pairing = z.infer<typeof Pairing>;
export const PairingCreate = z
  .object({
    device: DeviceId,
    athlete: AthleteId,
    /**
     * Late attachment: the pairing starts this far back, so samples the device sent before anyone was
     * paired with it become the athlete's. Absent: from now.
     */
    fromMs: z.number().int().min(0).optional(),
  })
  .strict();
export const PairingLogQuery = z
  .object({ fromMs: z.coerce.number().int().min(0), toMs: z.coerce.number().int().min(0) })
  .strict()
  .refine((query) => query.toMs > query.fromMs, { message: 'toMs must be after fromMs', path: ['toMs'] })
  .refine((query) => query.toMs - query.fromMs <= PAIRING_LOG_MAX_RANGE_MS, {
    message: 'at most 31 days at a time',
    path: ['toMs'],
  });

/** A device the gateways hear that nobody wears: for the walk-in pairing screen. */
export const NearbyDevice = z.object({
  id: DeviceId,
  heartRateBpm: z.number().nullable(),
  rssiDbm: z.number().nullable(),
  batteryPercent: z.number().nullable(),
  lastSeenMs: z.number(),
  /** When it started sending without anyone paired with it (late attachment can start there). */
  unpairedSinceMs: z.number().nullable(),
  /** Registered in the club already (a pool belt, or an owned device between owners). */
  known: z.boolean(),
});
export type NearbyDevice = z.infer<typeof NearbyDevice>;

/** Months of samples a club keeps (older ones are deleted); null: kept until erased. */
export const RetentionMonths = z.number().int().min(1).max(240).nullable();
export const ClubSettings = z.object({
  id: ClubId,
  name: Name,
  maxHrFormula: MaxHrFormula,
  zoneModel: ZoneModel,
  retentionMonths: RetentionMonths,
});
export type ClubSettings = z.infer<typeof ClubSettings>;
export const ClubSettingsPatch = z
  .object({ name: Name, maxHrFormula: MaxHrFormula, zoneModel: ZoneModel, retentionMonths: RetentionMonths })
  .partial()
  .strict();
