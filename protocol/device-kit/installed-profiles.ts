import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { GattDecodeError, isGattDecodeError } from '../gatt/gatt-errors.ts';
import { normalizeUuid } from '../gatt/uuids.ts';
import { BuiltInSample, type Sample } from '../mqtt/telemetry.ts';
import { BUILT_IN_PROFILES } from './built-in-profiles.ts';
import { type DecodedSample, type DeviceProfile, type ProfileDecoder, ProfileManifest, type SimulatedMoment } from './device-profile.ts';
import { extensionKind, installExtensionKinds } from './extension-kinds.ts';
import { valuesSchemaOf } from './kind-spec.ts';

/** A profile this process speaks: its checked manifest, its code, and where it came from. */
export interface InstalledProfile {
  manifest: ProfileManifest;
  code: Pick<DeviceProfile, 'createDecoder' | 'createSimulator' | 'examples'>;
  /** "built-in", or the plugin's file or package. */
  source: string;
}

/** Whether the simulator can play a device of this profile: it has a simulator, and is a wearable of its own (not a battery). */
export const isSimulatable = ({ code, manifest }: InstalledProfile): boolean => code.createSimulator !== undefined && manifest.primary;

/** What the roster registers a device of this profile as: a built-in profile's kind of samples, or a plugin's own name. */
export const rosterProfileOf = ({ manifest, source }: InstalledProfile): string =>
  source === 'built-in' ? (manifest.uses[0] ?? manifest.name) : manifest.name;

/** A plugin that was not installed, and why (shown by `sport-connect profiles` and logged at start-up). */
export interface RefusedPlugin {
  source: string;
  name: string | null;
  reason: string;
}

const PluginCode = z.object({
  createDecoder: z.custom<DeviceProfile['createDecoder']>((value) => typeof value === 'function', 'must be a function'),
  createSimulator: z.custom<DeviceProfile['createSimulator']>((value) => typeof value === 'function', 'must be a function').optional(),
  examples: z
    .array(
      z
        .object({
          characteristic: z.string(),
          hex: z.string().regex(/^([0-9a-fA-F]{2})+$/, 'hex bytes'),
          samples: z.array(z.object({ kind: z.string(), values: z.record(z.string(), z.unknown()) })),
        })
        .strict(),
    )
    .min(1, 'a plugin gives at least one example notification and what it decodes to')
    .max(50),
});

/** A moment the simulator check plays (mid-class, contact on). */
const CHECK_MOMENT: SimulatedMoment = {
  timeMs: Date.UTC(2026, 0, 1, 18),
  elapsedS: 600,
  intensity: 0.7,
  heartRateBpm: 150,
  restHrBpm: 55,
  maxHrBpm: 190,
  contact: true,
  batteryPercent: 80,
  random: () => 0.5,
};

/** How the values of a plugin's kind are checked: the installed kind's schema, or (before it is installed) one built for the check. */
type ValuesSchemaOf = (kind: ProfileManifest['kinds'][number]) => z.ZodType<Record<string, number>>;
const installedSchemaOf: ValuesSchemaOf = (kind) => extensionKind(kind.name)?.values ?? valuesSchemaOf(kind);

/** Why a decoder's output is not samples its profile declares ({ kind, values } and nothing else), or null when it is. */
function outputProblem(output: unknown, manifest: ProfileManifest, schemaOf: ValuesSchemaOf = valuesSchemaOf): string | null {
  if (!Array.isArray(output)) return `the decoder returned ${typeof output}, not an array of samples`;
  for (const item of output as unknown[]) {
    const sample = item as Partial<DecodedSample> | null;
    const keys = typeof sample === 'object' && sample !== null ? Object.keys(sample) : [];
    // Device and time are the gateway's to stamp: a decoder setting them could pass for another device.
    if (
      typeof sample?.kind !== 'string' ||
      typeof sample.values !== 'object' ||
      sample.values === null ||
      keys.some((key) => key !== 'kind' && key !== 'values')
    )
      return `the decoder returned ${JSON.stringify(item)?.slice(0, 120)}, not { kind, values }`;
    const kind = manifest.kinds.find((candidate) => candidate.name === sample.kind);
    if (kind) {
      const checked = schemaOf(kind).safeParse(sample.values);
      if (!checked.success) return `${sample.kind}: ${z.prettifyError(checked.error)}`;
    } else if ((manifest.uses as string[]).includes(sample.kind)) {
      const checked = BuiltInSample.safeParse({ device: 'check', timeMs: CHECK_MOMENT.timeMs, kind: sample.kind, values: sample.values });
      if (!checked.success) return `${sample.kind}: ${z.prettifyError(checked.error)}`;
    } else {
      return `the decoder returned kind "${sample.kind}", which the profile neither declares (kinds) nor uses (uses)`;
    }
  }
  return null;
}

const hexBytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The device profiles this process speaks: the built-in ones, then plugins, each checked before it is
 * added. A plugin that fails a check is refused with the reason and leaves nothing behind; at run time a
 * plugin's decoder is fenced off (DeviceDecoders), so a fault in it costs that notification only.
 */
export class InstalledProfiles {
  private readonly profiles: InstalledProfile[] = [];
  /** Which profile a characteristic belongs to: every notification the gateway decodes asks. */
  private readonly byCharacteristic = new Map<string, InstalledProfile>();
  readonly refused: RefusedPlugin[] = [];

  static builtIn(): InstalledProfiles {
    const installed = new InstalledProfiles();
    for (const profile of BUILT_IN_PROFILES) {
      const { createDecoder, createSimulator, examples, ...data } = profile;
      installed.install({ manifest: ProfileManifest.parse(data), code: { createDecoder, createSimulator, examples }, source: 'built-in' });
    }
    return installed;
  }

  get all(): readonly InstalledProfile[] {
    return this.profiles;
  }

  find(name: string): InstalledProfile | undefined {
    return this.profiles.find((profile) => profile.manifest.name === name);
  }

  /** Services worth connecting for (what the gateway scans for). */
  primaryServiceUuids(): string[] {
    return this.profiles.filter((profile) => profile.manifest.primary).map((profile) => profile.manifest.serviceUuid);
  }

  /** Each service's characteristics the gateway subscribes to or reads. */
  characteristicsByService(): Map<string, ProfileManifest['characteristics']> {
    return new Map(this.profiles.map((profile) => [profile.manifest.serviceUuid, profile.manifest.characteristics]));
  }

  profileOfCharacteristic(uuid: string): InstalledProfile | undefined {
    return this.byCharacteristic.get(normalizeUuid(uuid));
  }

  private install(profile: InstalledProfile): void {
    this.profiles.push(profile);
    for (const characteristic of profile.manifest.characteristics) this.byCharacteristic.set(characteristic.uuid, profile);
  }

  /** Checks a plugin's profile and installs it with its kinds; on any problem it is refused (and listed in `refused`). */
  add(candidate: unknown, source: string): InstalledProfile | null {
    const name = typeof (candidate as { name?: unknown } | null)?.name === 'string' ? (candidate as { name: string }).name : null;
    try {
      const profile = this.check(candidate);
      installExtensionKinds(profile.manifest.name, profile.manifest.kinds);
      const installed = { ...profile, source };
      this.install(installed);
      return installed;
    } catch (error) {
      this.refused.push({ source, name, reason: errorText(error) });
      return null;
    }
  }

  /** Every check a plugin passes before it is installed; throws the first problem. */
  private check(candidate: unknown): Omit<InstalledProfile, 'source'> {
    if (typeof candidate !== 'object' || candidate === null) throw new Error('a plugin exports a device profile object');
    const { createDecoder, createSimulator, examples, ...data } = candidate as DeviceProfile;
    const code = PluginCode.safeParse({ createDecoder, createSimulator, examples });
    if (!code.success) throw new Error(z.prettifyError(code.error));
    const parsed = ProfileManifest.safeParse(data);
    if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
    const manifest = parsed.data;
    if (this.find(manifest.name)) throw new Error(`profile name "${manifest.name}" is taken`);
    const service = this.profiles.find((profile) => profile.manifest.serviceUuid === manifest.serviceUuid);
    if (service) throw new Error(`service ${manifest.serviceUuid} is already the profile "${service.manifest.name}"'s`);
    for (const characteristic of manifest.characteristics) {
      const holder = this.profileOfCharacteristic(characteristic.uuid);
      if (holder) throw new Error(`characteristic ${characteristic.uuid} is already the profile "${holder.manifest.name}"'s`);
    }
    if (manifest.kinds.length === 0 && manifest.uses.length === 0) throw new Error('the profile declares no kinds and uses none');
    for (const example of code.data.examples) {
      let output: unknown;
      try {
        output = createDecoder().decode(normalizeUuid(example.characteristic), hexBytes(example.hex), CHECK_MOMENT.timeMs);
      } catch (error) {
        throw new Error(`decoding its example ${example.hex} threw: ${errorText(error)}`);
      }
      const problem = outputProblem(output, manifest);
      if (problem) throw new Error(`its example ${example.hex}: ${problem}`);
      if (!isDeepStrictEqual(output, example.samples))
        throw new Error(`its example ${example.hex} decodes to ${JSON.stringify(output)}, not ${JSON.stringify(example.samples)}`);
    }
    if (createSimulator) this.checkSimulator(createSimulator, createDecoder, manifest);
    return { manifest, code: { createDecoder, createSimulator, examples } };
  }

  /** The simulator's bytes must decode with the plugin's own decoder into what it declares. */
  private checkSimulator(
    createSimulator: NonNullable<DeviceProfile['createSimulator']>,
    createDecoder: DeviceProfile['createDecoder'],
    manifest: ProfileManifest,
  ): void {
    let notifications: { characteristic: string; bytes: Uint8Array }[];
    let simulator: ReturnType<typeof createSimulator>;
    try {
      simulator = createSimulator();
      notifications = simulator.notify(CHECK_MOMENT);
    } catch (error) {
      throw new Error(`its simulator threw: ${errorText(error)}`);
    }
    if (!Array.isArray(notifications)) throw new Error('its simulator returned no list of notifications');
    // What a read answers is decoded like a notification: it must make sense too.
    for (const characteristic of manifest.characteristics.filter((one) => one.read)) {
      let bytes: unknown;
      try {
        bytes = simulator.read?.(characteristic.uuid, CHECK_MOMENT) ?? new Uint8Array();
      } catch (error) {
        throw new Error(`its simulator's read of ${characteristic.uuid} threw: ${errorText(error)}`);
      }
      if (!(bytes instanceof Uint8Array)) throw new Error(`its simulator's read of ${characteristic.uuid} returned no bytes`);
      if (bytes.length > 0) notifications = [...notifications, { characteristic: characteristic.uuid, bytes }];
    }
    const decoder = createDecoder();
    for (const notification of notifications) {
      let output: unknown;
      try {
        output = decoder.decode(normalizeUuid(notification.characteristic), notification.bytes, CHECK_MOMENT.timeMs);
      } catch (error) {
        throw new Error(`its simulator's bytes do not decode: ${errorText(error)}`);
      }
      const problem = outputProblem(output, manifest);
      if (problem) throw new Error(`its simulator's bytes decode to something wrong: ${problem}`);
    }
  }

  /** One device's decoders, a fresh state per profile, created as its characteristics first speak. */
  decodersFor(device: string): DeviceDecoders {
    return new DeviceDecoders(device, this);
  }
}

/**
 * A connected device's notifications → protocol samples, by the profile each characteristic belongs to.
 * Built-in decoders throw only GattDecodeError; a plugin's decoder may throw anything or return garbage,
 * and either way the notification is refused as SC_ERR_PLUGIN_FAULT (the gateway counts and drops it).
 */
export class DeviceDecoders {
  private readonly decoders = new Map<string, ProfileDecoder>();

  constructor(
    readonly device: string,
    private readonly profiles: InstalledProfiles,
  ) {}

  /** Forgets every decoder's state (a reconnect); a plugin's reset that throws starts that decoder afresh instead. */
  reset(): void {
    for (const [name, decoder] of this.decoders) {
      try {
        decoder.reset?.();
      } catch {
        this.decoders.delete(name);
      }
    }
  }

  decode(characteristicUuid: string, bytes: Uint8Array, timeMs: number): Sample[] {
    const uuid = normalizeUuid(characteristicUuid);
    const profile = this.profiles.profileOfCharacteristic(uuid);
    if (!profile) throw new GattDecodeError('SC_ERR_GATT_UNKNOWN_PROFILE', `no decoder for characteristic ${uuid}`);
    const { name } = profile.manifest;
    let decoder = this.decoders.get(name);
    const builtIn = profile.source === 'built-in';
    try {
      if (!decoder) {
        decoder = profile.code.createDecoder();
        this.decoders.set(name, decoder);
      }
      const output = decoder.decode(uuid, bytes, timeMs);
      if (!builtIn) {
        const problem = outputProblem(output, profile.manifest, installedSchemaOf);
        if (problem) throw new GattDecodeError('SC_ERR_PLUGIN_FAULT', `plugin "${name}": ${problem}`);
      }
      return output.map(({ kind, values }) => ({ device: this.device, timeMs, kind, values }) as Sample);
    } catch (error) {
      if (builtIn || isGattDecodeError(error)) throw error;
      throw new GattDecodeError('SC_ERR_PLUGIN_FAULT', `plugin "${name}" threw: ${errorText(error)}`);
    }
  }
}
