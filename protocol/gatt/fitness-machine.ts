import { ByteReader, ByteWriter, hasFlag } from './byte-reader.ts';

// Fitness Machine Service 1.0 (FTMS). "Not available" sentinels become absent values.
const UINT8_NA = 0xff;
const UINT16_NA = 0xffff;
const SINT16_NA = 0x7fff;

/** FTMS 4.9.1.11 / 4.7.1.11: Expended Energy, in kilocalories (unlike Heart Rate's Energy Expended, in kJ). */
interface ExpendedEnergy {
  totalEnergyKcal?: number;
  energyPerHourKcal?: number;
  energyPerMinuteKcal?: number;
}

/** Indoor Bike Data (0x2AD2), FTMS 4.9. */
export interface IndoorBikeData extends ExpendedEnergy {
  /** FTMS 4.9.1.1: bit 0 "More Data" set means the record continues in the next notification, without speed here. */
  moreData: boolean;
  speedKmh?: number;
  averageSpeedKmh?: number;
  cadenceRpm?: number;
  averageCadenceRpm?: number;
  totalDistanceM?: number;
  resistanceLevel?: number;
  powerW?: number;
  averagePowerW?: number;
  heartRateBpm?: number;
  metabolicEquivalent?: number;
  elapsedTimeS?: number;
  remainingTimeS?: number;
}

function readEnergy(reader: ByteReader, into: ExpendedEnergy): void {
  // FTMS 4.9.1.11: Total Energy UINT16 in kcal, Energy per Hour UINT16 in kcal/h, Energy per Minute UINT8
  // in kcal/min (org.bluetooth.unit.energy.kilogram_calorie); all-ones = not available.
  const total = reader.uint16('total energy');
  const perHour = reader.uint16('energy per hour');
  const perMinute = reader.uint8('energy per minute');
  if (total !== UINT16_NA) into.totalEnergyKcal = total;
  if (perHour !== UINT16_NA) into.energyPerHourKcal = perHour;
  if (perMinute !== UINT8_NA) into.energyPerMinuteKcal = perMinute;
}

function writeEnergy(writer: ByteWriter, from: ExpendedEnergy): void {
  writer
    .uint16(from.totalEnergyKcal ?? UINT16_NA)
    .uint16(from.energyPerHourKcal ?? UINT16_NA)
    .uint8(from.energyPerMinuteKcal ?? UINT8_NA);
}

const hasEnergy = (e: ExpendedEnergy) =>
  e.totalEnergyKcal !== undefined || e.energyPerHourKcal !== undefined || e.energyPerMinuteKcal !== undefined;

export function decodeIndoorBikeData(bytes: Uint8Array): IndoorBikeData {
  const reader = new ByteReader(bytes);
  const flags = reader.uint16('flags');
  // FTMS 4.9.1.1: bit 0 is inverted: 0 means Instantaneous Speed (UINT16, 0.01 km/h) is present.
  const data: IndoorBikeData = { moreData: hasFlag(flags, 0) };
  if (!data.moreData) data.speedKmh = reader.uint16('instantaneous speed') / 100;
  if (hasFlag(flags, 1)) data.averageSpeedKmh = reader.uint16('average speed') / 100;
  // FTMS 4.9.1.4–5: cadences UINT16 in 0.5 /min.
  if (hasFlag(flags, 2)) data.cadenceRpm = reader.uint16('instantaneous cadence') / 2;
  if (hasFlag(flags, 3)) data.averageCadenceRpm = reader.uint16('average cadence') / 2;
  // FTMS 4.9.1.6: Total Distance UINT24 in m.
  if (hasFlag(flags, 4)) data.totalDistanceM = reader.uint24('total distance');
  // FTMS 4.9.1.7: Resistance Level SINT16, unitless.
  if (hasFlag(flags, 5)) data.resistanceLevel = reader.int16('resistance level');
  // FTMS 4.9.1.8–9: powers SINT16 in W.
  if (hasFlag(flags, 6)) data.powerW = reader.int16('instantaneous power');
  if (hasFlag(flags, 7)) data.averagePowerW = reader.int16('average power');
  if (hasFlag(flags, 8)) readEnergy(reader, data);
  // FTMS 4.9.1.12: Heart Rate UINT8 bpm; 4.9.1.13: Metabolic Equivalent UINT8 in 0.1.
  if (hasFlag(flags, 9)) data.heartRateBpm = reader.uint8('heart rate');
  if (hasFlag(flags, 10)) data.metabolicEquivalent = reader.uint8('metabolic equivalent') / 10;
  // FTMS 4.9.1.14–15: Elapsed and Remaining Time UINT16 in s.
  if (hasFlag(flags, 11)) data.elapsedTimeS = reader.uint16('elapsed time');
  if (hasFlag(flags, 12)) data.remainingTimeS = reader.uint16('remaining time');
  reader.expectEnd('Indoor Bike Data');
  return data;
}

export function encodeIndoorBikeData(d: IndoorBikeData): Uint8Array {
  const bits: [boolean, number][] = [
    [d.moreData, 0],
    [d.averageSpeedKmh !== undefined, 1],
    [d.cadenceRpm !== undefined, 2],
    [d.averageCadenceRpm !== undefined, 3],
    [d.totalDistanceM !== undefined, 4],
    [d.resistanceLevel !== undefined, 5],
    [d.powerW !== undefined, 6],
    [d.averagePowerW !== undefined, 7],
    [hasEnergy(d), 8],
    [d.heartRateBpm !== undefined, 9],
    [d.metabolicEquivalent !== undefined, 10],
    [d.elapsedTimeS !== undefined, 11],
    [d.remainingTimeS !== undefined, 12],
  ];
  const writer = new ByteWriter().uint16(bits.reduce((flags, [on, bit]) => (on ? flags | (1 << bit) : flags), 0));
  if (!d.moreData) writer.uint16(Math.round((d.speedKmh ?? 0) * 100));
  if (d.averageSpeedKmh !== undefined) writer.uint16(Math.round(d.averageSpeedKmh * 100));
  if (d.cadenceRpm !== undefined) writer.uint16(Math.round(d.cadenceRpm * 2));
  if (d.averageCadenceRpm !== undefined) writer.uint16(Math.round(d.averageCadenceRpm * 2));
  if (d.totalDistanceM !== undefined) writer.uint24(d.totalDistanceM);
  if (d.resistanceLevel !== undefined) writer.int16(d.resistanceLevel);
  if (d.powerW !== undefined) writer.int16(d.powerW);
  if (d.averagePowerW !== undefined) writer.int16(d.averagePowerW);
  if (hasEnergy(d)) writeEnergy(writer, d);
  if (d.heartRateBpm !== undefined) writer.uint8(d.heartRateBpm);
  if (d.metabolicEquivalent !== undefined) writer.uint8(Math.round(d.metabolicEquivalent * 10));
  if (d.elapsedTimeS !== undefined) writer.uint16(d.elapsedTimeS);
  if (d.remainingTimeS !== undefined) writer.uint16(d.remainingTimeS);
  return writer.toBytes();
}

/** Treadmill Data (0x2ACD), FTMS 4.7. */
export interface TreadmillData extends ExpendedEnergy {
  moreData: boolean;
  speedKmh?: number;
  averageSpeedKmh?: number;
  totalDistanceM?: number;
  /** null: the treadmill says "not available" (0x7FFF). */
  inclinePercent?: number | null;
  rampAngleDeg?: number | null;
  positiveElevationGainM?: number;
  negativeElevationGainM?: number;
  paceKmPerMin?: number;
  averagePaceKmPerMin?: number;
  heartRateBpm?: number;
  metabolicEquivalent?: number;
  elapsedTimeS?: number;
  remainingTimeS?: number;
  forceOnBeltN?: number;
  powerW?: number;
}

export function decodeTreadmillData(bytes: Uint8Array): TreadmillData {
  const reader = new ByteReader(bytes);
  const flags = reader.uint16('flags');
  // FTMS 4.7.1.1: bit 0 inverted as for the bike: 0 means Instantaneous Speed (UINT16, 0.01 km/h) present.
  const data: TreadmillData = { moreData: hasFlag(flags, 0) };
  if (!data.moreData) data.speedKmh = reader.uint16('instantaneous speed') / 100;
  if (hasFlag(flags, 1)) data.averageSpeedKmh = reader.uint16('average speed') / 100;
  if (hasFlag(flags, 2)) data.totalDistanceM = reader.uint24('total distance');
  // FTMS 4.7.1.5–6: Inclination SINT16 in 0.1 %, Ramp Angle Setting SINT16 in 0.1 degree; 0x7FFF = not available.
  if (hasFlag(flags, 3)) {
    const incline = reader.int16('inclination');
    const ramp = reader.int16('ramp angle setting');
    data.inclinePercent = incline === SINT16_NA ? null : incline / 10;
    data.rampAngleDeg = ramp === SINT16_NA ? null : ramp / 10;
  }
  // FTMS 4.7.1.7–8: Positive and Negative Elevation Gain, UINT16 in 0.1 m.
  if (hasFlag(flags, 4)) {
    data.positiveElevationGainM = reader.uint16('positive elevation gain') / 10;
    data.negativeElevationGainM = reader.uint16('negative elevation gain') / 10;
  }
  // FTMS 4.7.1.9–10: Instantaneous and Average Pace, UINT8 in 0.1 km/min.
  if (hasFlag(flags, 5)) data.paceKmPerMin = reader.uint8('instantaneous pace') / 10;
  if (hasFlag(flags, 6)) data.averagePaceKmPerMin = reader.uint8('average pace') / 10;
  if (hasFlag(flags, 7)) readEnergy(reader, data);
  if (hasFlag(flags, 8)) data.heartRateBpm = reader.uint8('heart rate');
  if (hasFlag(flags, 9)) data.metabolicEquivalent = reader.uint8('metabolic equivalent') / 10;
  if (hasFlag(flags, 10)) data.elapsedTimeS = reader.uint16('elapsed time');
  if (hasFlag(flags, 11)) data.remainingTimeS = reader.uint16('remaining time');
  // FTMS 4.7.1.16–17: Force on Belt SINT16 N and Power Output SINT16 W.
  if (hasFlag(flags, 12)) {
    data.forceOnBeltN = reader.int16('force on belt');
    data.powerW = reader.int16('power output');
  }
  reader.expectEnd('Treadmill Data');
  return data;
}

export function encodeTreadmillData(d: TreadmillData): Uint8Array {
  const hasIncline = d.inclinePercent !== undefined || d.rampAngleDeg !== undefined;
  const bits: [boolean, number][] = [
    [d.moreData, 0],
    [d.averageSpeedKmh !== undefined, 1],
    [d.totalDistanceM !== undefined, 2],
    [hasIncline, 3],
    [d.positiveElevationGainM !== undefined, 4],
    [d.paceKmPerMin !== undefined, 5],
    [d.averagePaceKmPerMin !== undefined, 6],
    [hasEnergy(d), 7],
    [d.heartRateBpm !== undefined, 8],
    [d.metabolicEquivalent !== undefined, 9],
    [d.elapsedTimeS !== undefined, 10],
    [d.remainingTimeS !== undefined, 11],
    [d.forceOnBeltN !== undefined, 12],
  ];
  const writer = new ByteWriter().uint16(bits.reduce((flags, [on, bit]) => (on ? flags | (1 << bit) : flags), 0));
  if (!d.moreData) writer.uint16(Math.round((d.speedKmh ?? 0) * 100));
  if (d.averageSpeedKmh !== undefined) writer.uint16(Math.round(d.averageSpeedKmh * 100));
  if (d.totalDistanceM !== undefined) writer.uint24(d.totalDistanceM);
  if (hasIncline) {
    writer.int16(d.inclinePercent == null ? SINT16_NA : Math.round(d.inclinePercent * 10));
    writer.int16(d.rampAngleDeg == null ? SINT16_NA : Math.round(d.rampAngleDeg * 10));
  }
  if (d.positiveElevationGainM !== undefined)
    writer.uint16(Math.round(d.positiveElevationGainM * 10)).uint16(Math.round((d.negativeElevationGainM ?? 0) * 10));
  if (d.paceKmPerMin !== undefined) writer.uint8(Math.round(d.paceKmPerMin * 10));
  if (d.averagePaceKmPerMin !== undefined) writer.uint8(Math.round(d.averagePaceKmPerMin * 10));
  if (hasEnergy(d)) writeEnergy(writer, d);
  if (d.heartRateBpm !== undefined) writer.uint8(d.heartRateBpm);
  if (d.metabolicEquivalent !== undefined) writer.uint8(Math.round(d.metabolicEquivalent * 10));
  if (d.elapsedTimeS !== undefined) writer.uint16(d.elapsedTimeS);
  if (d.remainingTimeS !== undefined) writer.uint16(d.remainingTimeS);
  if (d.forceOnBeltN !== undefined) writer.int16(d.forceOnBeltN).int16(d.powerW ?? 0);
  return writer.toBytes();
}
