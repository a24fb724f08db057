import { z } from 'zod';
import { DeviceId, GatewayId } from '../ids.ts';
import { mqttLimits } from './limits.ts';

// Units live in the field names: Bpm, Ms, Kj, Kcal, Percent, W, Rpm (revolutions/min), Spm (steps/min), Mps (m/s), M, N, Nm, S, Deg.

/** Below this no heart beats in a person wearing a sensor: a strap or machine without contact sends 0. */
export const MIN_HEART_RATE_BPM = 20;

export const SensorContact = z.enum(['detected', 'not-detected', 'not-supported']);
export type SensorContact = z.infer<typeof SensorContact>;

// HRS 3.1.1: the value is uint8 or uint16 bpm; a strap without skin contact may still notify (often 0).
export const HeartRateValues = z
  .object({
    heartRateBpm: z.number().int().min(0).max(300),
    sensorContact: SensorContact.optional(),
    energyExpendedKj: z.number().int().min(0).max(65535).optional(),
    rrIntervalsMs: z.array(z.number().min(150).max(3000)).max(mqttLimits.maxRrIntervalsPerSample).optional(),
  })
  .strict()
  .refine((v) => v.sensorContact === 'not-detected' || v.heartRateBpm >= MIN_HEART_RATE_BPM, {
    message: 'heartRateBpm below 20 is only valid when sensorContact is "not-detected"',
    path: ['heartRateBpm'],
  });
export type HeartRateValues = z.infer<typeof HeartRateValues>;

export const BatteryValues = z.object({ batteryPercent: z.number().int().min(0).max(100) }).strict();
export type BatteryValues = z.infer<typeof BatteryValues>;

const Watts = z.number().int().min(-2000).max(5000);
const Rpm = z.number().min(0).max(300);
const MetresPerSecond = z.number().min(0).max(40);
const Metres = z.number().min(0).max(1e8);

export const CyclingPowerValues = z
  .object({
    powerW: Watts,
    cadenceRpm: Rpm.optional(),
    speedMps: MetresPerSecond.optional(),
    pedalPowerBalancePercent: z.number().min(0).max(100).optional(),
    accumulatedTorqueNm: z.number().min(0).optional(),
    accumulatedEnergyKj: z.number().int().min(0).optional(),
    /** From wheel revolution data, since the sensor connected. */
    distanceM: Metres.optional(),
    // CPS 3.2.1.7–3.2.1.11: pedal-stroke analysis; ranges are what the wire format can carry.
    maxForceN: z.number().int().min(-32768).max(32767).optional(),
    minForceN: z.number().int().min(-32768).max(32767).optional(),
    maxTorqueNm: z.number().min(-1024).max(1024).optional(),
    minTorqueNm: z.number().min(-1024).max(1024).optional(),
    maxAngleDeg: z.number().int().min(0).max(4095).optional(),
    minAngleDeg: z.number().int().min(0).max(4095).optional(),
    topDeadSpotAngleDeg: z.number().int().min(0).max(65535).optional(),
    bottomDeadSpotAngleDeg: z.number().int().min(0).max(65535).optional(),
  })
  .strict();

export const CadenceSpeedValues = z
  .object({ cadenceRpm: Rpm.optional(), speedMps: MetresPerSecond.optional(), distanceM: Metres.optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'at least one of cadenceRpm, speedMps, distanceM' });

export const RunningValues = z
  .object({
    speedMps: MetresPerSecond,
    cadenceSpm: z.number().int().min(0).max(255),
    running: z.boolean(),
    strideLengthM: z.number().min(0).max(10).optional(),
    totalDistanceM: Metres.optional(),
  })
  .strict();

const machineValues = {
  speedMps: MetresPerSecond.optional(),
  distanceM: Metres.optional(),
  // FTMS heart rate: gateways leave it out without hand contact (the machine sends 0 then); earlier gateways
  // sent the 0, which is accepted and not stored (store/sample-fields.ts).
  heartRateBpm: z.number().int().min(0).max(255).optional(),
  // FTMS Expended Energy is in kilocalories (FTMS 4.9.1.11), unlike Heart Rate's kJ.
  energyKcal: z.number().int().min(0).max(65534).optional(),
  /** @deprecated Sent by gateways before energyKcal existed: the same FTMS value, which is in kcal (stored as energyKcal). */
  energyKj: z.number().int().min(0).max(65534).optional(),
  energyPerHourKcal: z.number().int().min(0).max(65534).optional(),
  energyPerMinuteKcal: z.number().int().min(0).max(254).optional(),
  elapsedS: z.number().int().min(0).optional(),
  powerW: Watts.optional(),
};
export const IndoorBikeValues = z.object({ ...machineValues, cadenceRpm: Rpm.optional(), resistanceLevel: z.number().optional() }).strict();
export const TreadmillValues = z
  .object({
    ...machineValues,
    inclinePercent: z.number().min(-100).max(100).optional(),
    rampAngleDeg: z.number().min(-90).max(90).optional(),
  })
  .strict();

const sampleBase = {
  device: DeviceId,
  /** Sample time, epoch milliseconds UTC, stamped by the gateway's clock. */
  timeMs: z
    .number()
    .int()
    .min(Date.UTC(2000, 0, 1)),
};

export const HeartRateSample = z.object({ ...sampleBase, kind: z.literal('heart_rate'), values: HeartRateValues }).strict();
export const BatterySample = z.object({ ...sampleBase, kind: z.literal('battery'), values: BatteryValues }).strict();

export const CyclingPowerSample = z.object({ ...sampleBase, kind: z.literal('cycling_power'), values: CyclingPowerValues }).strict();
export const CadenceSpeedSample = z.object({ ...sampleBase, kind: z.literal('cadence_speed'), values: CadenceSpeedValues }).strict();
export const RunningSample = z.object({ ...sampleBase, kind: z.literal('running'), values: RunningValues }).strict();
export const IndoorBikeSample = z.object({ ...sampleBase, kind: z.literal('indoor_bike'), values: IndoorBikeValues }).strict();
export const TreadmillSample = z.object({ ...sampleBase, kind: z.literal('treadmill'), values: TreadmillValues }).strict();

/** The kinds of the v1 contract itself, each with its own hand-written schema. */
export const BuiltInSample = z.discriminatedUnion('kind', [
  HeartRateSample,
  BatterySample,
  CyclingPowerSample,
  CadenceSpeedSample,
  RunningSample,
  IndoorBikeSample,
  TreadmillSample,
]);
export type BuiltInSample = z.infer<typeof BuiltInSample>;
export type BuiltInSampleKind = BuiltInSample['kind'];
export const BUILT_IN_SAMPLE_KINDS = BuiltInSample.options.map((option) => option.shape.kind.value) as BuiltInSampleKind[];
export const BuiltInSampleKindSchema = z.enum(BUILT_IN_SAMPLE_KINDS as [BuiltInSampleKind, ...BuiltInSampleKind[]]);

/** A word of a kind or profile name: lower case, digits and underscores, starting with a letter. */
const KindWord = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);
/**
 * Kinds a device plugin adds are named "<vendor>.<kind>" (e.g. "moxy.muscle_oxygen"): the dot keeps them
 * apart from the built-in kinds, which have none, and from other vendors' kinds.
 */
export const ExtensionKindName = z.templateLiteral([KindWord, '.', KindWord]);
export type ExtensionKindName = z.infer<typeof ExtensionKindName>;

/** A field of an extension kind: a letter, then letters and digits ("smo2Percent"): it names a stored field and an API query parameter. */
export const ExtensionFieldName = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/);

/**
 * A sample of a kind a device plugin adds. The envelope is checked here; its values are checked against
 * the kind's declared fields by validateTelemetry, with the kinds this process has installed.
 */
export const ExtensionSample = z
  .object({
    ...sampleBase,
    kind: ExtensionKindName,
    values: z.record(ExtensionFieldName, z.number()).refine((values) => Object.keys(values).length <= mqttLimits.maxExtensionFields, {
      message: `at most ${mqttLimits.maxExtensionFields} fields`,
    }),
  })
  .strict();
export type ExtensionSample = z.infer<typeof ExtensionSample>;

export type Sample = BuiltInSample | ExtensionSample;
/**
 * A sample of either family, told apart by the dot in its kind, then checked by that family's schema alone:
 * a refusal names the field at fault (a plain union would only say that no option matched).
 */
export const Sample = z.unknown().transform((input, context): Sample => {
  const kind = (input as { kind?: unknown } | null)?.kind;
  const schema = typeof kind === 'string' && isExtensionKind(kind) ? ExtensionSample : BuiltInSample;
  const checked = schema.safeParse(input);
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path, input });
  return z.NEVER;
});
export type SampleKind = Sample['kind'];
/** Any kind name the contract can carry: a built-in one or a plugin's. */
export const SampleKindSchema = z.union([BuiltInSampleKindSchema, ExtensionKindName]);

/** A plugin's kind is `<vendor>.<kind>`: the dot tells it from the built-in ones. */
export function isExtensionKind(kind: string): boolean {
  return kind.includes('.');
}

export const isExtensionSample = (sample: Sample): sample is ExtensionSample => isExtensionKind(sample.kind);

export const TelemetryMessage = z
  .object({
    v: z.literal(1),
    gateway: GatewayId,
    /** Per-gateway counter, +1 per message, kept across restarts: lets ingest see loss and duplicates. */
    seq: z.number().int().min(0),
    /** When the gateway published (or first tried to publish) this message, epoch ms. */
    sentAtMs: z.number().int().min(0),
    samples: z.array(Sample).min(1).max(mqttLimits.maxSamplesPerMessage),
  })
  .strict();
export type TelemetryMessage = z.infer<typeof TelemetryMessage>;
