import { afterEach, describe, expect, it } from 'vitest';
import oxasense from '../../examples/device-plugins/oxasense-smo2/index.ts';
import type { DeviceProfile } from '../../protocol/device-kit/device-profile.ts';
import { extensionKind, uninstallExtensionKinds } from '../../protocol/device-kit/extension-kinds.ts';
import { InstalledProfiles } from '../../protocol/device-kit/installed-profiles.ts';
import { GattDecodeError } from '../../protocol/gatt/gatt-errors.ts';
import { validateTelemetry } from '../../protocol/mqtt/validate-telemetry.ts';

const MUSCLE_OXYGEN = 'a1f30001-5c1e-4b7e-9d2a-3c5e0f6b8a01';
const NOW = Date.UTC(2026, 10, 28, 18);

/** A plugin like the example, under other names and UUIDs, with `changes` applied. */
function aPlugin(changes: Partial<DeviceProfile> = {}): DeviceProfile {
  return {
    ...oxasense,
    name: 'acme-temp',
    serviceUuid: 'b2e40000-0000-4000-8000-00000000aa01',
    characteristics: [{ uuid: 'b2e40001-0000-4000-8000-00000000aa01', name: 'Skin temperature', notify: true }],
    kinds: [
      {
        name: 'acme.skin_temperature',
        label: 'Skin temperature',
        fields: [{ name: 'skinTemperatureC', label: 'Skin', unit: '°C', min: 20, max: 45 }],
        tile: ['skinTemperatureC'],
      },
    ],
    createDecoder: () => ({ decode: (_uuid, bytes) => [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: bytes[0]! / 4 } }] }),
    createSimulator: () => ({ notify: () => [{ characteristic: 'b2e40001-0000-4000-8000-00000000aa01', bytes: Uint8Array.of(134) }] }),
    examples: [
      {
        characteristic: 'b2e40001-0000-4000-8000-00000000aa01',
        hex: '86',
        samples: [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: 33.5 } }],
      },
    ],
    ...changes,
  };
}

function refusalOf(candidate: unknown): string | undefined {
  const profiles = InstalledProfiles.builtIn();
  expect(profiles.add(candidate, 'test')).toBeNull();
  return profiles.refused[0]?.reason;
}

afterEach(() => {
  uninstallExtensionKinds('oxasense-smo2');
  uninstallExtensionKinds('acme-temp');
});

describe('device plugins are checked when they load', () => {
  it('installs the example plugin: its service, its characteristic and its kind with the declared ranges', () => {
    const profiles = InstalledProfiles.builtIn();
    const installed = profiles.add(oxasense, 'examples/device-plugins/oxasense-smo2');
    expect(installed?.manifest).toMatchObject({
      name: 'oxasense-smo2',
      serviceUuid: 'a1f300005c1e4b7e9d2a3c5e0f6b8a01',
      characteristics: [{ uuid: 'a1f300015c1e4b7e9d2a3c5e0f6b8a01', notify: true, read: false }],
    });
    expect(profiles.primaryServiceUuids()).toContain('a1f300005c1e4b7e9d2a3c5e0f6b8a01');
    expect(extensionKind('oxasense.muscle_oxygen')?.spec.fields.map((field) => [field.name, field.min, field.max])).toEqual([
      ['smo2Percent', 0, 100],
      ['thbGramsPerDecilitre', 0, 40],
    ]);
    expect(profiles.refused).toEqual([]);
  });

  it.each([
    ['something that is not a profile', 42, 'exports a device profile object'],
    ['no decoder', aPlugin({ createDecoder: undefined as never }), 'createDecoder'],
    ['no example', aPlugin({ examples: [] }), 'at least one example'],
    ['a UUID that is none', aPlugin({ serviceUuid: 'not-a-uuid' }), '128-bit UUID'],
    ['a kind without a vendor', aPlugin({ kinds: [{ ...aPlugin().kinds![0]!, name: 'skin_temperature' as never }] }), 'at kinds[0].name'],
    [
      'a reserved field name',
      aPlugin({ kinds: [{ ...aPlugin().kinds![0]!, fields: [{ name: 'athlete', label: 'x', unit: '', min: 0, max: 1 }], tile: [] }] }),
      'reserved',
    ],
    ['a tile field it does not declare', aPlugin({ kinds: [{ ...aPlugin().kinds![0]!, tile: ['coreC'] }] }), '"coreC" is not a field'],
    [
      'a range upside down',
      aPlugin({ kinds: [{ ...aPlugin().kinds![0]!, fields: [{ name: 'skinTemperatureC', label: 'S', unit: '°C', min: 45, max: 20 }] }] }),
      'min must be below max',
    ],
    ['the name of a built-in profile', aPlugin({ name: 'heart_rate' }), 'profile name "heart_rate" is taken'],
    ['the Heart Rate service', aPlugin({ serviceUuid: '180d' }), 'service 180d is already the profile "heart_rate"'],
    [
      'the Heart Rate Measurement characteristic',
      aPlugin({ characteristics: [{ uuid: '2A37', name: 'HR', notify: true }] }),
      'characteristic 2a37',
    ],
    [
      'a decoder that throws on its own example',
      aPlugin({
        createDecoder: () => ({
          decode: () => {
            throw new RangeError('offset out of bounds');
          },
        }),
      }),
      'decoding its example 86 threw: offset out of bounds',
    ],
    ['a decoder that returns garbage', aPlugin({ createDecoder: () => ({ decode: () => 'hello' as never }) }), 'not an array of samples'],
    [
      'a decoder whose values break its own ranges',
      aPlugin({ createDecoder: () => ({ decode: () => [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: 99 } }] }) }),
      'Too big',
    ],
    [
      'a decoder that returns a kind it never declared',
      aPlugin({ createDecoder: () => ({ decode: () => [{ kind: 'acme.core_temperature', values: { c: 1 } }] }) }),
      'neither declares',
    ],
    [
      'an example that decodes to something else',
      aPlugin({ examples: [{ characteristic: 'b2e40001-0000-4000-8000-00000000aa01', hex: '86', samples: [] }] }),
      'decodes to',
    ],
    [
      'a simulator whose bytes its decoder refuses',
      aPlugin({
        createSimulator: () => ({ notify: () => [{ characteristic: 'b2e40001-0000-4000-8000-00000000aa01', bytes: Uint8Array.of(255) }] }),
      }),
      "simulator's bytes decode to something wrong",
    ],
    [
      'a decoder that stamps its own device or time',
      aPlugin({
        createDecoder: () => ({
          decode: () => [{ kind: 'acme.skin_temperature', device: 'hrm-of-someone-else', values: { skinTemperatureC: 33.5 } }],
        }),
      }),
      'not { kind, values }',
    ],
    [
      'a simulator whose read throws',
      aPlugin({
        characteristics: [{ uuid: 'b2e40001-0000-4000-8000-00000000aa01', name: 'Skin temperature', notify: true, read: true }],
        createSimulator: () => ({
          notify: () => [],
          read: () => {
            throw new Error('no sensor');
          },
        }),
      }),
      "its simulator's read of b2e4000100004000800000000000aa01 threw: no sensor",
    ],
    [
      'a simulator that throws',
      aPlugin({
        createSimulator: () => ({
          notify: () => {
            throw new Error('no model');
          },
        }),
      }),
      'its simulator threw: no model',
    ],
  ])('refuses a plugin with %s, saying why', (_case, candidate, reason) => {
    expect(refusalOf(candidate)).toContain(reason);
    // Refused means nothing of it is installed.
    expect(extensionKind('acme.skin_temperature')).toBeUndefined();
  });

  it('refuses the second plugin declaring a kind another one took, keeping the first', () => {
    const profiles = InstalledProfiles.builtIn();
    expect(profiles.add(oxasense, 'first')).not.toBeNull();
    const copycat = aPlugin({
      kinds: [{ ...oxasense.kinds![0]! }],
      createDecoder: oxasense.createDecoder,
      createSimulator: undefined,
      examples: oxasense.examples,
    });
    const examples = copycat.examples!.map((example) => ({ ...example, characteristic: 'b2e40001-0000-4000-8000-00000000aa01' }));
    expect(profiles.add({ ...copycat, examples }, 'second')).toBeNull();
    expect(profiles.refused[0]).toEqual({
      source: 'second',
      name: 'acme-temp',
      reason: 'kind "oxasense.muscle_oxygen" is already declared by profile "oxasense-smo2"',
    });
    expect(profiles.all.map((profile) => profile.manifest.name)).toContain('oxasense-smo2');
    expect(extensionKind('oxasense.muscle_oxygen')?.profile).toBe('oxasense-smo2');
  });
});

describe('a plugin decoder at run time', () => {
  it('turns its notifications into samples of its kind, stamped with the device and the time', () => {
    const profiles = InstalledProfiles.builtIn();
    profiles.add(oxasense, 'example');
    const decoders = profiles.decodersFor('oxa-7');
    expect(decoders.decode(MUSCLE_OXYGEN, Buffer.from('03e803b004', 'hex'), NOW)).toEqual([
      { device: 'oxa-7', timeMs: NOW, kind: 'oxasense.muscle_oxygen', values: { smo2Percent: 100, thbGramsPerDecilitre: 12 } },
    ]);
    // Built-in characteristics still go to the specification decoders.
    expect(decoders.decode('2a37', Uint8Array.of(0x06, 72), NOW)).toEqual([
      { device: 'oxa-7', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 72, sensorContact: 'detected' } },
    ]);
  });

  it('fences off a decoder that throws or answers garbage: that notification is a plugin fault, nothing more', () => {
    let calls = 0;
    const flaky = aPlugin({
      createDecoder: () => ({
        decode: (_uuid, bytes) => {
          calls++;
          if (bytes[0] === 0) throw new TypeError("Cannot read properties of undefined (reading 'x')");
          if (bytes[0] === 1) return [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: Number.NaN } }];
          return [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: bytes[0]! / 4 } }];
        },
      }),
    });
    const profiles = InstalledProfiles.builtIn();
    expect(profiles.add(flaky, 'flaky')).not.toBeNull();
    const decoders = profiles.decodersFor('temp-1');
    const characteristic = profiles.find('acme-temp')!.manifest.characteristics[0]!.uuid;
    const fault = (bytes: number[]) => {
      try {
        decoders.decode(characteristic, Uint8Array.from(bytes), NOW);
        return null;
      } catch (error) {
        return error;
      }
    };
    expect(fault([0])).toBeInstanceOf(GattDecodeError);
    expect(fault([0])).toMatchObject({ code: 'SC_ERR_PLUGIN_FAULT', message: expect.stringContaining('threw: Cannot read properties') });
    expect(fault([1])).toMatchObject({ code: 'SC_ERR_PLUGIN_FAULT', message: expect.stringContaining('acme.skin_temperature') });
    expect(decoders.decode(characteristic, Uint8Array.of(136), NOW)[0]?.values).toEqual({ skinTemperatureC: 34 });
    expect(calls).toBeGreaterThanOrEqual(4);
  });
});

describe('a plugin decoder’s state', () => {
  it('survives a reset that throws: that decoder starts afresh on the next notification', () => {
    let created = 0;
    const profiles = InstalledProfiles.builtIn();
    profiles.add(
      aPlugin({
        createDecoder: () => {
          created++;
          return {
            decode: (_uuid, bytes) => [{ kind: 'acme.skin_temperature', values: { skinTemperatureC: bytes[0]! / 4 } }],
            reset: () => {
              throw new Error('reset is not implemented');
            },
          };
        },
      }),
      'test',
    );
    const decoders = profiles.decodersFor('temp-1');
    const characteristic = profiles.find('acme-temp')!.manifest.characteristics[0]!.uuid;
    decoders.decode(characteristic, Uint8Array.of(134), NOW);
    const before = created;
    expect(() => decoders.reset()).not.toThrow();
    expect(decoders.decode(characteristic, Uint8Array.of(136), NOW)[0]?.values).toEqual({ skinTemperatureC: 34 });
    expect(created).toBe(before + 1);
  });
});

describe('plugin kinds in the v1 contract', () => {
  const message = (samples: unknown[]) => Buffer.from(JSON.stringify({ v: 1, gateway: 'gw-1', seq: 1, sentAtMs: NOW, samples }));
  const smo2 = (values: Record<string, unknown>, kind = 'oxasense.muscle_oxygen') => ({ device: 'oxa-1', timeMs: NOW, kind, values });

  it('accepts an installed kind within its declared ranges, next to built-in samples', () => {
    InstalledProfiles.builtIn().add(oxasense, 'example');
    const result = validateTelemetry(
      'sc/v1/demo/gw-1/telemetry',
      message([
        smo2({ smo2Percent: 61.5, thbGramsPerDecilitre: 12.1 }),
        { device: 'hrm-1', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 140 } },
      ]),
      NOW,
    );
    expect(result.ok).toBe(true);
  });

  it('refuses a plugin sample at fault alone, keeping the message’s other samples', () => {
    InstalledProfiles.builtIn().add(oxasense, 'example');
    const heart = { device: 'hrm-1', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 140 } };
    const result = validateTelemetry(
      'sc/v1/demo/gw-1/telemetry',
      message([heart, smo2({ smo2Percent: 140 }), smo2({ smo2Percent: 60 }), smo2({ lactateMmol: 4 }, 'acme.lactate')]),
      NOW,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.samples).toEqual([heart, smo2({ smo2Percent: 60 })]);
    expect(result.refused?.map((one) => [one.reason, one.sample.kind])).toEqual([
      ['schema_violation', 'oxasense.muscle_oxygen'],
      ['unknown_kind', 'acme.lactate'],
    ]);
  });

  it.each([
    ['a kind nobody installed', smo2({ smo2Percent: 61 }, 'acme.core_temperature'), 'unknown_kind', 'not installed here'],
    ['a value beyond its range', smo2({ smo2Percent: 140 }), 'schema_violation', 'smo2Percent'],
    ['a field it does not declare', smo2({ smo2Percent: 60, lactate: 4 }), 'schema_violation', 'lactate'],
    ['no values', smo2({}), 'schema_violation', 'smo2Percent'],
    ['text where numbers go', smo2({ smo2Percent: 'high' }), 'schema_violation', 'at samples[0].values.smo2Percent'],
    ['a kind name of another shape', smo2({ smo2Percent: 60 }, 'Oxasense.Muscle'), 'schema_violation', 'at samples[0].kind'],
  ])('dead-letters %s with the reason', (_case, sample, reason, detail) => {
    InstalledProfiles.builtIn().add(oxasense, 'example');
    const result = validateTelemetry('sc/v1/demo/gw-1/telemetry', message([sample]), NOW);
    expect(result).toMatchObject({ ok: false, reason, detail: expect.stringContaining(detail) });
  });
});
