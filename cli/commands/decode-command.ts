import { GattDecodeError } from '../../protocol/gatt/gatt-errors.ts';
import { CHARACTERISTIC_ALIASES, DeviceSession } from '../../protocol/gatt/profiles.ts';
import { normalizeUuid } from '../../protocol/gatt/uuids.ts';
import type { Command } from '../command.ts';

const SPACING_MS = 1000;

/** `sport-connect decode --profile heart_rate 06 48 ...`: what a device sends, as samples. */
export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode GATT payloads (hex) as consecutive notifications of one device; prints samples as JSON lines',
  flags: {
    profile: { env: 'DECODE_PROFILE', description: `${Object.keys(CHARACTERISTIC_ALIASES).join(', ')}, or a characteristic UUID (2a37)` },
  },
  positionals: '<hex> [<hex> …]  one payload per argument, e.g. 1648000 or "16 48 00 04"',
  env: [],
  async run(env, positionals = []) {
    const profile = env.DECODE_PROFILE;
    if (!profile) throw new UsageError('--profile is required');
    const uuid = CHARACTERISTIC_ALIASES[profile] ?? normalizeUuid(profile);
    if (positionals.length === 0) throw new UsageError('give at least one hex payload');
    const session = new DeviceSession('decoded');
    const startMs = Date.now();
    let failures = 0;
    positionals.forEach((hex, index) => {
      const compact = hex.replace(/[\s:-]|0x/gi, '');
      if (!/^([0-9a-f]{2})*$/i.test(compact)) {
        console.error(`payload ${index + 1}: "${hex}" is not hex`);
        failures++;
        return;
      }
      try {
        const samples = session.decode(uuid, Buffer.from(compact, 'hex'), startMs + index * SPACING_MS);
        for (const sample of samples) console.log(JSON.stringify({ payload: index + 1, kind: sample.kind, values: sample.values }));
        if (samples.length === 0) console.log(JSON.stringify({ payload: index + 1, note: 'no sample yet (first measurement seeds cumulative counters, or a partial FTMS record)' }));
      } catch (error) {
        if (!(error instanceof GattDecodeError)) throw error;
        console.error(`payload ${index + 1}: ${error.code}: ${error.message}`);
        failures++;
      }
    });
    return failures === 0 ? 0 : 1;
  },
};

export class UsageError extends Error {
  readonly code = 'SC_ERR_USAGE';
}
