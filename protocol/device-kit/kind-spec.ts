import { z } from 'zod';
import { mqttLimits } from '../mqtt/limits.ts';
import { ExtensionFieldName, ExtensionKindName } from '../mqtt/telemetry.ts';

/** Stored alongside every sample (tags, the time, the count of merged points): no kind may use them as a field. */
const RESERVED_FIELD_NAMES = new Set(['club', 'device', 'athlete', 'kind', 'time', 'samples']);

/** One value a plugin's kind carries: its unit and the range a real sensor can report (outside it, the sample is refused). */
export const FieldSpec = z
  .object({
    name: ExtensionFieldName.refine((name) => !RESERVED_FIELD_NAMES.has(name), { message: 'is a reserved name' }),
    label: z.string().min(1).max(40),
    unit: z.string().max(12),
    min: z.number().finite(),
    max: z.number().finite(),
    /** Whole numbers only (a count, a percentage a sensor reports as an integer). */
    integer: z.boolean().default(false),
    /** May be missing from a sample (the sensor sends it now and then). */
    optional: z.boolean().default(false),
  })
  .strict()
  .refine((field) => field.min < field.max, { message: 'min must be below max', path: ['max'] });
export type FieldSpec = z.infer<typeof FieldSpec>;

/** A kind of sample a device plugin adds to the contract, and how the dashboard shows it. */
export const KindSpec = z
  .object({
    name: ExtensionKindName,
    label: z.string().min(1).max(40),
    fields: z.array(FieldSpec).min(1).max(mqttLimits.maxExtensionFields),
    /** Fields shown on the athlete's live tile (three at most: a tile is small). */
    tile: z.array(ExtensionFieldName).max(3).default([]),
    /** Fields a history chart can draw. */
    chart: z.array(ExtensionFieldName).default([]),
  })
  .strict()
  .superRefine((kind, context) => {
    const names = kind.fields.map((field) => field.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated) context.addIssue({ code: 'custom', message: `field "${repeated}" is declared twice`, path: ['fields'] });
    for (const key of ['tile', 'chart'] as const)
      for (const name of kind[key])
        if (!names.includes(name)) context.addIssue({ code: 'custom', message: `"${name}" is not a field of ${kind.name}`, path: [key] });
  });
export type KindSpec = z.infer<typeof KindSpec>;
export type KindSpecInput = z.input<typeof KindSpec>;

/** The schema a sample's values must pass: each declared field within its range, nothing undeclared. */
export function valuesSchemaOf(kind: KindSpec): z.ZodType<Record<string, number>> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of kind.fields) {
    let value = z.number().min(field.min).max(field.max);
    if (field.integer) value = value.int();
    shape[field.name] = field.optional ? value.optional() : value;
  }
  return z
    .object(shape)
    .strict()
    .refine((values) => Object.keys(values).length > 0, { message: 'at least one value' }) as unknown as z.ZodType<Record<string, number>>;
}
