import type { StoredPoint } from '../time-series-store.ts';

/** The field that counts samples (1 per point): sums of it count points without knowing their fields. */
export const SAMPLE_COUNT_FIELD = 'samples';

// InfluxDB line protocol escaping: measurement names escape commas and spaces; tag keys, tag values and
// field keys also equals signs; string field values escape backslashes and double quotes.
const measurementEscapes = /[, ]/g;
const keyEscapes = /[,= ]/g;
const stringEscapes = /["\\]/g;
const escapeMeasurement = (name: string) => (/[, ]/.test(name) ? name.replace(measurementEscapes, '\\$&') : name);
const escapeKey = (key: string) => (/[,= ]/.test(key) ? key.replace(keyEscapes, '\\$&') : key);
const escapeString = (value: string) => `"${/["\\]/.test(value) ? value.replace(stringEscapes, '\\$&') : value}"`;

/**
 * One stored point as a line of InfluxDB line protocol, millisecond precision: measurement = kind; tags
 * athlete (when known), club, device, in key order as InfluxDB prefers; a `samples=1` field; every number a float field
 * (InfluxDB fixes a field's type at first write, and a value may be whole one day, not the next).
 * Written by hand rather than through the client's Point: ingest writes a hundred thousand a second.
 */
export function toLine(point: StoredPoint): string {
  let line = escapeMeasurement(point.kind);
  if (point.athlete) line += `,athlete=${escapeKey(point.athlete)}`;
  line += `,club=${escapeKey(point.club)},device=${escapeKey(point.device)}`;
  // Fields in name order, as the client writes them.
  const names = Object.keys(point.fields);
  names.push(SAMPLE_COUNT_FIELD);
  names.sort();
  let separator = ' ';
  for (const name of names) {
    const value = name === SAMPLE_COUNT_FIELD ? 1 : point.fields[name]!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`field ${name} of ${point.device} is not a finite number: ${value}`);
      line += `${separator}${escapeKey(name)}=${value}`;
    } else line += `${separator}${escapeKey(name)}=${escapeString(value)}`;
    separator = ',';
  }
  return `${line} ${Math.trunc(point.timeMs)}`;
}
