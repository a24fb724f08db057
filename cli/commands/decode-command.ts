import { extensionValuesProblem } from '../../protocol/device-kit/extension-kinds.ts';
import { GattDecodeError } from '../../protocol/gatt/gatt-errors.ts';
import { CHARACTERISTIC_ALIASES, decodeCharacteristic } from '../../protocol/gatt/profiles.ts';
import { normalizeUuid } from '../../protocol/gatt/uuids.ts';
import { isExtensionSample, Sample } from '../../protocol/mqtt/telemetry.ts';
import type { Command } from '../command.ts';
import { loadProfilesForTool } from '../device-plugins.ts';

const SPACING_MS = 1000;

/**
 * `sport-connect decode --profile heart_rate 06 48 ...`: what a device sends, field by field, and the
 * samples a gateway would publish for it. A start-up debugging its firmware sees every field the
 * specification defines, and is told when a sample would break the contract that ingest enforces.
 */
export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode GATT payloads (hex) as consecutive notifications of one device; prints every field and the samples as JSON lines',
  flags: {
    profile: {
      env: 'DECODE_PROFILE',
      description: `${Object.keys(CHARACTERISTIC_ALIASES).join(', ')}, a plugin profile's name, or a characteristic UUID (2a37)`,
    },
    plugins: { env: 'DEVICE_PLUGINS', description: 'device plugins to load (files, folders, npm packages; comma-separated)' },
  },
  positionals: '<hex> [<hex> …]  one payload per argument, e.g. 16480004 or "16 48 00 04"',
  examples: [
    ['--profile', 'heart_rate', '16480004'],
    ['--profile', 'heart_rate', '16 48 00 04'],
    ['--profile', 'csc', '0264000028', '026600002C'],
    ['--profile', '2a63', '30 00 FA 00 10 27 00 00 00 10 2C 01 00 04'],
    ['--plugins', './examples/device-plugins', '--profile', 'oxasense-smo2', '038c02d204'],
  ],
  env: ['DEVICE_PLUGINS'],
  async run(env, positionals = []) {
    const profile = env.DECODE_PROFILE;
    if (!profile) throw new UsageError('--profile is required');
    if (positionals.length === 0) throw new UsageError('give at least one hex payload');
    const profiles = await loadProfilesForTool(env.DEVICE_PLUGINS);
    const pluginCharacteristic = profiles.find(profile)?.manifest.characteristics.find((characteristic) => characteristic.notify)?.uuid;
    const uuid = CHARACTERISTIC_ALIASES[profile] ?? pluginCharacteristic ?? normalizeUuid(profile);
    const fromPlugin = (profiles.profileOfCharacteristic(uuid)?.source ?? 'built-in') !== 'built-in';
    const session = profiles.decodersFor('decoded');
    const startMs = Date.now();
    let failures = 0;
    positionals.forEach((hex, index) => {
      const payload = index + 1;
      const compact = hex.replace(/[\s:-]|0x/gi, '');
      if (!/^([0-9a-f]{2})*$/i.test(compact)) {
        console.error(`payload ${payload}: "${hex}" is not hex (two digits per byte, e.g. 16480004 or "16 48 00 04")`);
        failures++;
        return;
      }
      const bytes = Buffer.from(compact, 'hex');
      try {
        // A plugin's decoder gives samples only; the specification decoders show every field as well.
        const fields = fromPlugin ? undefined : decodeCharacteristic(uuid, bytes);
        const samples = isPublished(uuid) ? session.decode(uuid, bytes, startMs + index * SPACING_MS) : [];
        const outsideContract = samples.flatMap(contractViolations);
        const line: Record<string, unknown> = {
          payload,
          ...(fields ? { fields } : {}),
          samples: samples.map(({ kind, values }) => ({ kind, values })),
        };
        if (fromPlugin && samples.length === 0) line.note = 'the plugin decoded no sample from it';
        else if (isPublished(uuid) && samples.length === 0)
          line.note = 'no sample yet (the first measurement seeds cumulative counters, or a partial FTMS record waits for its rest)';
        if (outsideContract.length > 0) {
          line.outsideContract = outsideContract;
          console.error(`payload ${payload}: outside the v1 contract, ingest would dead-letter the message: ${outsideContract.join('; ')}`);
          failures++;
        }
        console.log(JSON.stringify(line));
      } catch (error) {
        if (!(error instanceof GattDecodeError)) throw error;
        console.error(`payload ${payload}: ${error.code}: ${error.message}`);
        failures++;
      }
    });
    return failures === 0 ? 0 : 1;
  },
};

/** Body Sensor Location is read once and shown, never published as a sample. */
const isPublished = (uuid: string) => uuid !== CHARACTERISTIC_ALIASES.body_sensor_location;

function contractViolations(sample: Sample): string[] {
  const checked = Sample.safeParse(sample);
  if (!checked.success) return checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const problem = isExtensionSample(sample) ? extensionValuesProblem(sample) : null;
  return problem ? [problem.detail] : [];
}

export class UsageError extends Error {
  readonly code = 'SC_ERR_USAGE';
}
