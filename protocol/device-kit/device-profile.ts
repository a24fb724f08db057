import { z } from 'zod';
import { normalizeUuid } from '../gatt/uuids.ts';
import { BuiltInSampleKindSchema } from '../mqtt/telemetry.ts';
import { KindSpec, type KindSpecInput } from './kind-spec.ts';

// A device profile, built in or from a plugin: the GATT service and characteristics the gateway needs,
// how their bytes become samples, how a simulator makes such bytes, and the kinds of sample it adds to
// the contract. docs/device-kit.md walks a start-up through writing one.

/** A 16-bit ("2a37", "0x2A37") or 128-bit UUID, written as noble writes it: lower-case hex, no dashes. */
export const GattUuid = z
  .string()
  .transform(normalizeUuid)
  .refine((uuid) => /^([0-9a-f]{4}|[0-9a-f]{32})$/.test(uuid), { message: 'a 16-bit (4 hex digits) or 128-bit UUID' });

export const CharacteristicSpec = z
  .object({
    uuid: GattUuid,
    name: z.string().min(1).max(60),
    /** Subscribe to its notifications. */
    notify: z.boolean().default(false),
    /** Read it once connected and then now and then (a battery level). */
    read: z.boolean().default(false),
  })
  .strict()
  .refine((characteristic) => characteristic.notify || characteristic.read, { message: 'notify, read or both' });

/** Everything about a profile that is data: checked with zod when a plugin loads. */
export const ProfileManifest = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/, 'lower case letters, digits, - and _ (2–40)'),
    label: z.string().min(1).max(60),
    vendor: z.string().min(1).max(60).default('Bluetooth SIG'),
    serviceUuid: GattUuid,
    characteristics: z.array(CharacteristicSpec).min(1).max(8),
    /** Kinds this profile adds to the contract (a plugin's; built-in profiles add none). */
    kinds: z.array(KindSpec).max(8).default([]),
    /** Built-in kinds it also produces (a plugin's strap may report heart rate as a built-in heart_rate sample). */
    uses: z.array(BuiltInSampleKindSchema).default([]),
    /** Whether finding this service is a reason to connect (battery alone is not). */
    primary: z.boolean().default(true),
  })
  .strict()
  .superRefine((profile, context) => {
    const uuids = profile.characteristics.map((characteristic) => characteristic.uuid);
    const repeated = uuids.find((uuid, index) => uuids.indexOf(uuid) !== index);
    if (repeated) context.addIssue({ code: 'custom', message: `characteristic ${repeated} is listed twice`, path: ['characteristics'] });
    const kinds = profile.kinds.map((kind) => kind.name);
    const again = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
    if (again) context.addIssue({ code: 'custom', message: `kind ${again} is declared twice`, path: ['kinds'] });
  });
export type ProfileManifest = z.infer<typeof ProfileManifest>;

/** What a decoder makes of one notification or read: samples of declared kinds (the gateway adds device and time). */
export interface DecodedSample {
  kind: string;
  values: Record<string, unknown>;
}

/** One connected device's decoder: may keep state between notifications (cumulative counters); reset on reconnect. */
export interface ProfileDecoder {
  decode(characteristicUuid: string, bytes: Uint8Array, timeMs: number): DecodedSample[];
  reset?(): void;
}

/** What a simulated wearer is doing at one moment: what a simulator's encoder turns into bytes. */
export interface SimulatedMoment {
  timeMs: number;
  /** Seconds since the scenario started. */
  elapsedS: number;
  /** Workload of the class plan now, 0 (rest) to 1 (all out). */
  intensity: number;
  heartRateBpm: number;
  restHrBpm: number;
  maxHrBpm: number;
  /** The sensor touches skin (false while a scenario injects contact loss). */
  contact: boolean;
  batteryPercent: number;
  /** Beats that ended since the last notification (a heart-rate strap sends them). */
  rrIntervalsMs?: number[];
  /** Uniform in [0, 1), seeded: the same scenario plays the same way. */
  random(): number;
}

/** A virtual device of this profile: what it notifies each second, and what a read answers. */
export interface ProfileSimulator {
  notify(moment: SimulatedMoment): { characteristic: string; bytes: Uint8Array }[];
  read?(characteristicUuid: string, moment: SimulatedMoment): Uint8Array;
}

/** A known notification and what it decodes to: checked when the plugin loads, and the plugin's first test. */
export interface ProfileExample {
  characteristic: string;
  /** The notification's bytes, hex. */
  hex: string;
  samples: DecodedSample[];
}

/** What a plugin module exports (default export: one profile or an array of them). */
export interface DeviceProfile extends Omit<z.input<typeof ProfileManifest>, 'kinds'> {
  kinds?: KindSpecInput[];
  createDecoder(): ProfileDecoder;
  createSimulator?(): ProfileSimulator;
  examples?: ProfileExample[];
}
