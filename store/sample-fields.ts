import { extensionKind } from '../protocol/device-kit/extension-kinds.ts';
import { type BuiltInSampleKind, MIN_HEART_RATE_BPM, type Sample } from '../protocol/mqtt/telemetry.ts';
import type { StoredPoint } from './time-series-store.ts';

/** A sample as a point of the time-series stores: the club it came from and who wore the device. */
export function toStoredPoint(club: string, sample: Sample, athlete: string | null): StoredPoint {
  return { club, device: sample.device, athlete, kind: sample.kind, timeMs: sample.timeMs, fields: toStoredFields(sample) };
}

/**
 * Flattens a sample's values into the stored fields. A heart rate notified without skin contact is
 * not a heart rate (straps send 0 or a stale value), so only the contact state is kept: aggregates
 * then never average in a dropped strap.
 */
export function toStoredFields(sample: Sample): Record<string, number | string> {
  switch (sample.kind) {
    case 'heart_rate': {
      const { heartRateBpm, sensorContact, energyExpendedKj, rrIntervalsMs } = sample.values;
      const fields: Record<string, number | string> = {};
      if (sensorContact !== 'not-detected') fields.heartRateBpm = heartRateBpm;
      if (sensorContact && sensorContact !== 'not-supported') fields.contact = sensorContact === 'detected' ? 1 : 0;
      if (energyExpendedKj !== undefined) fields.energyExpendedKj = energyExpendedKj;
      if (rrIntervalsMs?.length) fields.rrIntervalsMs = rrIntervalsMs.map((ms) => Math.round(ms * 10) / 10).join(',');
      return fields;
    }
    case 'battery':
      return { batteryPercent: sample.values.batteryPercent };
    case 'running': {
      const { running, ...numbers } = sample.values;
      return { ...numbers, running: running ? 1 : 0 };
    }
    case 'indoor_bike':
    case 'treadmill': {
      const { heartRateBpm, energyKj, energyKcal, ...rest } = sample.values;
      const fields: Record<string, number> = rest as Record<string, number>;
      // A machine's 0 bpm is no hand on the grips; energyKj from earlier gateways was the FTMS kcal value.
      if (heartRateBpm !== undefined && heartRateBpm >= MIN_HEART_RATE_BPM) fields.heartRateBpm = heartRateBpm;
      const kcal = energyKcal ?? energyKj;
      if (kcal !== undefined) fields.energyKcal = kcal;
      return fields;
    }
    default:
      // Every other kind's values (plugin kinds' too) are already flat numbers.
      return { ...sample.values } as Record<string, number>;
  }
}

/** Numeric fields that range queries may aggregate, per kind (API input is checked against it). */
export const AGGREGATABLE_FIELDS = {
  heart_rate: ['heartRateBpm', 'energyExpendedKj', 'contact'],
  battery: ['batteryPercent'],
  cycling_power: [
    'powerW',
    'cadenceRpm',
    'speedMps',
    'distanceM',
    'pedalPowerBalancePercent',
    'accumulatedTorqueNm',
    'accumulatedEnergyKj',
    'maxForceN',
    'minForceN',
    'maxTorqueNm',
    'minTorqueNm',
    'maxAngleDeg',
    'minAngleDeg',
    'topDeadSpotAngleDeg',
    'bottomDeadSpotAngleDeg',
  ],
  cadence_speed: ['cadenceRpm', 'speedMps', 'distanceM'],
  running: ['speedMps', 'cadenceSpm', 'strideLengthM', 'totalDistanceM'],
  indoor_bike: [
    'speedMps',
    'cadenceRpm',
    'powerW',
    'heartRateBpm',
    'distanceM',
    'resistanceLevel',
    'energyKcal',
    'energyPerHourKcal',
    'energyPerMinuteKcal',
    'elapsedS',
  ],
  treadmill: [
    'speedMps',
    'inclinePercent',
    'rampAngleDeg',
    'heartRateBpm',
    'distanceM',
    'powerW',
    'energyKcal',
    'energyPerHourKcal',
    'energyPerMinuteKcal',
    'elapsedS',
  ],
} as const satisfies Record<BuiltInSampleKind, readonly string[]>;

/** The fields of a kind a range query may aggregate: a built-in kind's, or what an installed plugin declared; null for an unknown kind. */
export function aggregatableFields(kind: string): readonly string[] | null {
  if (Object.hasOwn(AGGREGATABLE_FIELDS, kind)) return AGGREGATABLE_FIELDS[kind as BuiltInSampleKind];
  return extensionKind(kind)?.spec.fields.map((field) => field.name) ?? null;
}
