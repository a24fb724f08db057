import { ByteReader, ByteWriter, hasFlag } from './byte-reader.ts';

/** RSC Measurement (0x2A53), Running Speed and Cadence Service 1.0. */
export interface RscMeasurement {
  speedMps: number;
  cadenceSpm: number;
  running: boolean;
  strideLengthM?: number;
  totalDistanceM?: number;
}

export function decodeRscMeasurement(bytes: Uint8Array): RscMeasurement {
  const reader = new ByteReader(bytes);
  const flags = reader.uint8('flags');
  // RSCS 3.1.1.2–3.1.1.3: Instantaneous Speed UINT16 in 1/256 m/s, Instantaneous Cadence UINT8 in steps/min.
  const measurement: RscMeasurement = {
    speedMps: reader.uint16('instantaneous speed') / 256,
    cadenceSpm: reader.uint8('instantaneous cadence'),
    // RSCS 3.1.1.1: bit 2 = Walking or Running Status, 1 = running.
    running: hasFlag(flags, 2),
  };
  // RSCS 3.1.1.4: bit 0 = Instantaneous Stride Length, UINT16 in 1/100 m.
  if (hasFlag(flags, 0)) measurement.strideLengthM = reader.uint16('instantaneous stride length') / 100;
  // RSCS 3.1.1.5: bit 1 = Total Distance, UINT32 in 1/10 m.
  if (hasFlag(flags, 1)) measurement.totalDistanceM = reader.uint32('total distance') / 10;
  reader.expectEnd('RSC Measurement');
  return measurement;
}

export function encodeRscMeasurement(m: RscMeasurement): Uint8Array {
  const flags = (m.strideLengthM !== undefined ? 1 : 0) | (m.totalDistanceM !== undefined ? 2 : 0) | (m.running ? 4 : 0);
  const writer = new ByteWriter()
    .uint8(flags)
    .uint16(Math.round(m.speedMps * 256))
    .uint8(m.cadenceSpm);
  if (m.strideLengthM !== undefined) writer.uint16(Math.round(m.strideLengthM * 100));
  if (m.totalDistanceM !== undefined) writer.uint32(Math.round(m.totalDistanceM * 10));
  return writer.toBytes();
}
