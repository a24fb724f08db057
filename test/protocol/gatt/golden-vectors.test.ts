import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeviceSession, decodeCharacteristic } from '../../../protocol/gatt/profiles.ts';
import { Sample } from '../../../protocol/mqtt/telemetry.ts';

interface Vector {
  char: string;
  hex: string;
  note?: string;
  /** The whole decoded characteristic. */
  expect: Record<string, unknown>;
  /** What the gateway publishes for this one notification; null for nothing yet; absent where not published. */
  sample?: { kind: string; values: Record<string, unknown> } | null;
}

// The project's golden table (see its "about"): every flag of every profile, checked value by value.
const vectors = (JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const bytesOf = (hex: string) => Uint8Array.from(hex.split(/\s+/).map((byte) => parseInt(byte, 16)));
const nameOf = (vector: Vector) => `${vector.char} ${vector.hex}${vector.note ? ` (${vector.note})` : ''}`;

describe('golden GATT vectors from the specifications', () => {
  it.each(vectors.map((vector) => [nameOf(vector), vector] as const))('%s decodes to exactly the specified fields', (_name, vector) => {
    expect(decodeCharacteristic(vector.char, bytesOf(vector.hex))).toEqual(vector.expect);
  });

  const published = vectors.filter((vector) => vector.sample !== undefined);
  it.each(published.map((vector) => [nameOf(vector), vector] as const))(
    '%s becomes the specified sample, within the contract',
    (_name, vector) => {
      const samples = new DeviceSession('strap').decode(vector.char, bytesOf(vector.hex), 1_800_000_000_000);
      if (vector.sample === null) return expect(samples).toEqual([]);
      expect(samples).toEqual([{ device: 'strap', timeMs: 1_800_000_000_000, ...vector.sample }]);
      expect(Sample.safeParse(samples[0]).success).toBe(true);
    },
  );

  it('has a row for every flag bit of every profile with flags', () => {
    const flagBits = { '2a37': 5, '2a5b': 2, '2a63': 13, '2a53': 3, '2ad2': 13, '2acd': 13 } as const;
    for (const [char, bits] of Object.entries(flagBits)) {
      const flagsOf = vectors
        .filter((vector) => vector.char === char)
        .map((vector) => {
          const bytes = bytesOf(vector.hex);
          return char === '2a37' || char === '2a5b' || char === '2a53' ? bytes[0]! : bytes[0]! | (bytes[1]! << 8);
        });
      for (let bit = 0; bit < bits; bit++)
        expect(
          flagsOf.some((flags) => flags & (1 << bit)),
          `${char} bit ${bit}`,
        ).toBe(true);
      expect(
        flagsOf.some((flags) => (flags & ((1 << bits) - 1)) === 0),
        `${char} with no flag`,
      ).toBe(true);
    }
  });
});
