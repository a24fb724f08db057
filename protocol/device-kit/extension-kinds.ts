import { z } from 'zod';
import { BUILT_IN_SAMPLE_KINDS, type ExtensionSample, type SampleKind } from '../mqtt/telemetry.ts';
import { type KindSpec, valuesSchemaOf } from './kind-spec.ts';

/** A kind this process accepts beyond the built-in ones, from the device plugin that declared it. */
export interface InstalledKind {
  spec: KindSpec;
  profile: string;
  values: z.ZodType<Record<string, number>>;
}

// The kinds of the plugins this process loaded at start-up. Every process of a deployment (gateway,
// ingest, API) loads the same DEVICE_PLUGINS, so they agree on what a kind's values may be.
const installed = new Map<string, InstalledKind>();

/** Adds a plugin's kinds; throws (adding none of them) when one is already taken. */
export function installExtensionKinds(profile: string, kinds: readonly KindSpec[]): void {
  for (const kind of kinds) {
    const holder = installed.get(kind.name);
    // The same profile loaded again (a second stack in one process) replaces its own kinds.
    if (holder && holder.profile !== profile) throw new Error(`kind "${kind.name}" is already declared by profile "${holder.profile}"`);
  }
  for (const kind of kinds) installed.set(kind.name, { spec: kind, profile, values: valuesSchemaOf(kind) });
}

/** Removes a profile's kinds (a test's clean-up). */
export function uninstallExtensionKinds(profile: string): void {
  for (const [name, kind] of installed) if (kind.profile === profile) installed.delete(name);
}

export const extensionKind = (name: string): InstalledKind | undefined => installed.get(name);

/** Every kind this process knows: the built-in ones and the installed plugins'. */
export const knownSampleKinds = (): SampleKind[] => [...BUILT_IN_SAMPLE_KINDS, ...(installed.keys() as Iterable<SampleKind>)];

/** Why an extension sample's values are not what its kind declares, or null when they are. */
export function extensionValuesProblem(sample: ExtensionSample): { reason: 'unknown_kind' | 'schema_violation'; detail: string } | null {
  const kind = installed.get(sample.kind);
  if (!kind) return { reason: 'unknown_kind', detail: `kind "${sample.kind}" is not installed here (DEVICE_PLUGINS)` };
  const checked = kind.values.safeParse(sample.values);
  if (checked.success) return null;
  return { reason: 'schema_violation', detail: `${sample.kind} of ${sample.device}: ${z.prettifyError(checked.error)}` };
}
