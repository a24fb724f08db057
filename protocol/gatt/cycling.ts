import { ByteReader, ByteWriter, hasFlag } from './byte-reader.ts';

/** Cumulative revolution data shared by CSC and Cycling Power; event times in seconds. */
export interface WheelRevolutions {
  cumulativeWheelRevs: number;
  lastWheelEventTimeS: number;
}
export interface CrankRevolutions {
  cumulativeCrankRevs: number;
  lastCrankEventTimeS: number;
}

/** UINT32 cumulative wheel revolutions, then UINT16 last event time in 1/unitsPerSecond s. */
function readWheelRevolutions(reader: ByteReader, unitsPerSecond: number): WheelRevolutions {
  return {
    cumulativeWheelRevs: reader.uint32('cumulative wheel revolutions'),
    lastWheelEventTimeS: reader.uint16('last wheel event time') / unitsPerSecond,
  };
}

/** UINT16 cumulative crank revolutions, then UINT16 last event time in 1/1024 s (CSC and CPS alike). */
function readCrankRevolutions(reader: ByteReader): CrankRevolutions {
  return {
    cumulativeCrankRevs: reader.uint16('cumulative crank revolutions'),
    lastCrankEventTimeS: reader.uint16('last crank event time') / 1024,
  };
}

/** CSC Measurement (0x2A5B), Cycling Speed and Cadence Service 1.0. */
export type CscMeasurement = Partial<WheelRevolutions> & Partial<CrankRevolutions>;

export function decodeCscMeasurement(bytes: Uint8Array): CscMeasurement {
  const reader = new ByteReader(bytes);
  const flags = reader.uint8('flags');
  const measurement: CscMeasurement = {
    // CSCS 3.1.1.1: bit 0 = Wheel Revolution Data, event time in 1/1024 s.
    ...(hasFlag(flags, 0) ? readWheelRevolutions(reader, 1024) : {}),
    // CSCS 3.1.1.1: bit 1 = Crank Revolution Data.
    ...(hasFlag(flags, 1) ? readCrankRevolutions(reader) : {}),
  };
  reader.expectEnd('CSC Measurement');
  return measurement;
}

export function encodeCscMeasurement(measurement: CscMeasurement): Uint8Array {
  const hasWheel = measurement.cumulativeWheelRevs !== undefined;
  const hasCrank = measurement.cumulativeCrankRevs !== undefined;
  const writer = new ByteWriter().uint8((hasWheel ? 1 : 0) | (hasCrank ? 2 : 0));
  if (hasWheel) writer.uint32(measurement.cumulativeWheelRevs!).uint16(Math.round(measurement.lastWheelEventTimeS! * 1024));
  if (hasCrank) writer.uint16(measurement.cumulativeCrankRevs!).uint16(Math.round(measurement.lastCrankEventTimeS! * 1024));
  return writer.toBytes();
}

/** Cycling Power Measurement (0x2A63), Cycling Power Service 1.1. */
export interface CyclingPowerMeasurement extends Partial<WheelRevolutions>, Partial<CrankRevolutions> {
  powerW: number;
  pedalPowerBalancePercent?: number;
  pedalPowerBalanceReference?: 'unknown' | 'left';
  accumulatedTorqueNm?: number;
  accumulatedTorqueSource?: 'wheel' | 'crank';
  maxForceN?: number;
  minForceN?: number;
  maxTorqueNm?: number;
  minTorqueNm?: number;
  maxAngleDeg?: number;
  minAngleDeg?: number;
  topDeadSpotAngleDeg?: number;
  bottomDeadSpotAngleDeg?: number;
  accumulatedEnergyKj?: number;
  offsetCompensation?: boolean;
}

export function decodeCyclingPowerMeasurement(bytes: Uint8Array): CyclingPowerMeasurement {
  const reader = new ByteReader(bytes);
  const flags = reader.uint16('flags');
  // CPS 3.2.1.2: Instantaneous Power, SINT16 in W, always present.
  const measurement: CyclingPowerMeasurement = { powerW: reader.int16('instantaneous power') };
  // CPS 3.2.1.3: bit 0 = Pedal Power Balance, UINT8 in 1/2 %; bit 1 = its reference (0 unknown, 1 left pedal).
  if (hasFlag(flags, 0)) {
    measurement.pedalPowerBalancePercent = reader.uint8('pedal power balance') / 2;
    measurement.pedalPowerBalanceReference = hasFlag(flags, 1) ? 'left' : 'unknown';
  }
  // CPS 3.2.1.4: bit 2 = Accumulated Torque, UINT16 in 1/32 Nm; bit 3 = its source (0 wheel, 1 crank).
  if (hasFlag(flags, 2)) {
    measurement.accumulatedTorqueNm = reader.uint16('accumulated torque') / 32;
    measurement.accumulatedTorqueSource = hasFlag(flags, 3) ? 'crank' : 'wheel';
  }
  // CPS 3.2.1.5: bit 4 = Wheel Revolution Data, event time in 1/2048 s (not 1/1024 as in CSC).
  if (hasFlag(flags, 4)) Object.assign(measurement, readWheelRevolutions(reader, 2048));
  // CPS 3.2.1.6: bit 5 = Crank Revolution Data.
  if (hasFlag(flags, 5)) Object.assign(measurement, readCrankRevolutions(reader));
  // CPS 3.2.1.7: bit 6 = Extreme Force Magnitudes, SINT16 max then min, in N.
  if (hasFlag(flags, 6)) {
    measurement.maxForceN = reader.int16('maximum force');
    measurement.minForceN = reader.int16('minimum force');
  }
  // CPS 3.2.1.8: bit 7 = Extreme Torque Magnitudes, SINT16 max then min, in 1/32 Nm.
  if (hasFlag(flags, 7)) {
    measurement.maxTorqueNm = reader.int16('maximum torque') / 32;
    measurement.minTorqueNm = reader.int16('minimum torque') / 32;
  }
  // CPS 3.2.1.9: bit 8 = Extreme Angles, two UINT12 (max then min) in degrees, packed in 3 bytes.
  if (hasFlag(flags, 8)) [measurement.maxAngleDeg, measurement.minAngleDeg] = reader.uint12Pair('extreme angles');
  // CPS 3.2.1.10 and 3.2.1.11: bits 9 and 10 = Top and Bottom Dead Spot Angles, UINT16 degrees.
  if (hasFlag(flags, 9)) measurement.topDeadSpotAngleDeg = reader.uint16('top dead spot angle');
  if (hasFlag(flags, 10)) measurement.bottomDeadSpotAngleDeg = reader.uint16('bottom dead spot angle');
  // CPS 3.2.1.12: bit 11 = Accumulated Energy, UINT16 kJ.
  if (hasFlag(flags, 11)) measurement.accumulatedEnergyKj = reader.uint16('accumulated energy');
  // CPS 3.2.1.1: bit 12 = Offset Compensation Indicator, a flag without a field.
  if (hasFlag(flags, 12)) measurement.offsetCompensation = true;
  reader.expectEnd('Cycling Power Measurement');
  return measurement;
}

export function encodeCyclingPowerMeasurement(m: CyclingPowerMeasurement): Uint8Array {
  const present = (value: unknown) => value !== undefined;
  let flags = 0;
  if (present(m.pedalPowerBalancePercent)) flags |= 1 | (m.pedalPowerBalanceReference === 'left' ? 2 : 0);
  if (present(m.accumulatedTorqueNm)) flags |= 4 | (m.accumulatedTorqueSource === 'crank' ? 8 : 0);
  if (present(m.cumulativeWheelRevs)) flags |= 1 << 4;
  if (present(m.cumulativeCrankRevs)) flags |= 1 << 5;
  if (present(m.maxForceN)) flags |= 1 << 6;
  if (present(m.maxTorqueNm)) flags |= 1 << 7;
  if (present(m.maxAngleDeg)) flags |= 1 << 8;
  if (present(m.topDeadSpotAngleDeg)) flags |= 1 << 9;
  if (present(m.bottomDeadSpotAngleDeg)) flags |= 1 << 10;
  if (present(m.accumulatedEnergyKj)) flags |= 1 << 11;
  if (m.offsetCompensation) flags |= 1 << 12;
  const writer = new ByteWriter().uint16(flags).int16(m.powerW);
  if (present(m.pedalPowerBalancePercent)) writer.uint8(Math.round(m.pedalPowerBalancePercent! * 2));
  if (present(m.accumulatedTorqueNm)) writer.uint16(Math.round(m.accumulatedTorqueNm! * 32));
  if (present(m.cumulativeWheelRevs)) writer.uint32(m.cumulativeWheelRevs!).uint16(Math.round(m.lastWheelEventTimeS! * 2048));
  if (present(m.cumulativeCrankRevs)) writer.uint16(m.cumulativeCrankRevs!).uint16(Math.round(m.lastCrankEventTimeS! * 1024));
  if (present(m.maxForceN)) writer.int16(m.maxForceN!).int16(m.minForceN ?? 0);
  if (present(m.maxTorqueNm)) writer.int16(Math.round(m.maxTorqueNm! * 32)).int16(Math.round((m.minTorqueNm ?? 0) * 32));
  if (present(m.maxAngleDeg)) writer.uint12Pair(m.maxAngleDeg!, m.minAngleDeg ?? 0);
  if (present(m.topDeadSpotAngleDeg)) writer.uint16(m.topDeadSpotAngleDeg!);
  if (present(m.bottomDeadSpotAngleDeg)) writer.uint16(m.bottomDeadSpotAngleDeg!);
  if (present(m.accumulatedEnergyKj)) writer.uint16(m.accumulatedEnergyKj!);
  return writer.toBytes();
}
