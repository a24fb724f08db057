import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCscMeasurement, decodeCyclingPowerMeasurement } from '../../../protocol/gatt/cycling.ts';
import { decodeIndoorBikeData, decodeTreadmillData } from '../../../protocol/gatt/fitness-machine.ts';
import { decodeBatteryLevel, decodeBodySensorLocation, decodeHeartRateMeasurement } from '../../../protocol/gatt/heart-rate.ts';
import { decodeRscMeasurement } from '../../../protocol/gatt/running.ts';

interface Vector {
  char: string;
  hex: string;
  expect: Record<string, unknown>;
}

// A copy of the design folder's golden table (shared/gatt/vectors.json): a device quirk becomes a new row.
const vectors = (JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const bytesOf = (hex: string) => Uint8Array.from(hex.split(/\s+/).map((byte) => parseInt(byte, 16)));

const DECODERS: Record<string, (bytes: Uint8Array) => object> = {
  '2a37': decodeHeartRateMeasurement,
  '2a38': (bytes) => ({ bodySensorLocation: decodeBodySensorLocation(bytes) }),
  '2a19': (bytes) => ({ batteryPercent: decodeBatteryLevel(bytes) }),
  '2a5b': decodeCscMeasurement,
  '2a63': decodeCyclingPowerMeasurement,
  '2a53': decodeRscMeasurement,
  '2ad2': decodeIndoorBikeData,
  '2acd': decodeTreadmillData,
};

describe('golden GATT vectors from the specifications', () => {
  it.each(vectors.map((vector) => [`${vector.char} ${vector.hex}`, vector] as const))('%s decodes as specified', (_name, vector) => {
    const decoded = DECODERS[vector.char]!(bytesOf(vector.hex));
    expect(decoded).toMatchObject(vector.expect);
  });
});
