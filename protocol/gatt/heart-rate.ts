import type { SensorContact } from '../mqtt/telemetry.ts';
import { ByteReader, ByteWriter, hasFlag } from './byte-reader.ts';
import { GattDecodeError } from './gatt-errors.ts';

/** Heart Rate Measurement (0x2A37), as the Heart Rate Service 1.0 (HRS) defines it. */
export interface HeartRateMeasurement {
  heartRateBpm: number;
  sensorContact: SensorContact;
  energyExpendedKj?: number;
  rrIntervalsMs?: number[];
}

const RR_UNITS_PER_SECOND = 1024;

export function decodeHeartRateMeasurement(bytes: Uint8Array): HeartRateMeasurement {
  const reader = new ByteReader(bytes);
  const flags = reader.uint8('flags');
  // HRS 3.1.1.1: bit 0 = heart rate value format, 0 → UINT8, 1 → UINT16 (bpm).
  const heartRateBpm = hasFlag(flags, 0) ? reader.uint16('heart rate (uint16)') : reader.uint8('heart rate (uint8)');
  // HRS 3.1.1.1: bit 2 = sensor contact feature supported, bit 1 = contact detected (meaningful only with bit 2).
  const sensorContact: SensorContact = !hasFlag(flags, 2) ? 'not-supported' : hasFlag(flags, 1) ? 'detected' : 'not-detected';
  const measurement: HeartRateMeasurement = { heartRateBpm, sensorContact };
  // HRS 3.1.1.3: bit 3 = Energy Expended present, UINT16 in kJ, accumulated since the last reset.
  if (hasFlag(flags, 3)) measurement.energyExpendedKj = reader.uint16('energy expended');
  // HRS 3.1.1.4: bit 4 = RR-Interval present; as many UINT16 values (1/1024 s) as the remaining length holds.
  if (hasFlag(flags, 4)) {
    if (reader.remaining % 2 !== 0)
      throw new GattDecodeError('SC_ERR_GATT_LENGTH', `RR intervals: ${reader.remaining} byte(s) left, not a whole number of UINT16`);
    const rrIntervalsMs: number[] = [];
    while (reader.remaining > 0) rrIntervalsMs.push(Math.round((reader.uint16('RR interval') / RR_UNITS_PER_SECOND) * 10_000) / 10);
    measurement.rrIntervalsMs = rrIntervalsMs;
  }
  reader.expectEnd('Heart Rate Measurement');
  return measurement;
}

export function encodeHeartRateMeasurement(measurement: HeartRateMeasurement, options: { uint16?: boolean } = {}): Uint8Array {
  const wide = options.uint16 || measurement.heartRateBpm > 0xff;
  let flags = wide ? 1 : 0;
  if (measurement.sensorContact !== 'not-supported') flags |= 1 << 2;
  if (measurement.sensorContact === 'detected') flags |= 1 << 1;
  if (measurement.energyExpendedKj !== undefined) flags |= 1 << 3;
  if (measurement.rrIntervalsMs?.length) flags |= 1 << 4;
  const writer = new ByteWriter().uint8(flags);
  if (wide) writer.uint16(measurement.heartRateBpm);
  else writer.uint8(measurement.heartRateBpm);
  if (measurement.energyExpendedKj !== undefined) writer.uint16(measurement.energyExpendedKj);
  for (const rr of measurement.rrIntervalsMs ?? []) writer.uint16(Math.round((rr / 1000) * RR_UNITS_PER_SECOND));
  return writer.toBytes();
}

/** Body Sensor Location (0x2A38), HRS 3.2. */
export const BODY_SENSOR_LOCATIONS = ['other', 'chest', 'wrist', 'finger', 'hand', 'ear-lobe', 'foot'] as const;
export type BodySensorLocation = (typeof BODY_SENSOR_LOCATIONS)[number];

export function decodeBodySensorLocation(bytes: Uint8Array): BodySensorLocation {
  const reader = new ByteReader(bytes);
  const value = reader.uint8('body sensor location');
  reader.expectEnd('Body Sensor Location');
  const location = BODY_SENSOR_LOCATIONS[value];
  if (!location) throw new GattDecodeError('SC_ERR_GATT_INVALID', `body sensor location ${value} is reserved`);
  return location;
}

export function encodeBodySensorLocation(location: BodySensorLocation): Uint8Array {
  return new ByteWriter().uint8(BODY_SENSOR_LOCATIONS.indexOf(location)).toBytes();
}

/** Battery Level (0x2A19), Battery Service 1.0: UINT8 percent, 0–100. */
export function decodeBatteryLevel(bytes: Uint8Array): number {
  const reader = new ByteReader(bytes);
  const percent = reader.uint8('battery level');
  reader.expectEnd('Battery Level');
  if (percent > 100) throw new GattDecodeError('SC_ERR_GATT_INVALID', `battery level ${percent} % is above 100`);
  return percent;
}

export function encodeBatteryLevel(percent: number): Uint8Array {
  return new ByteWriter().uint8(percent).toBytes();
}
