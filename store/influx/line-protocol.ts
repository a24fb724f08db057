import type { StoredPoint } from '../time-series-store.ts';

/** The field that counts samples (1 per point): sums of it count points without knowing their fields. */
export const SAMPLE_COUNT_FIELD = 'samples';

// InfluxDB line protocol escaping, as the InfluxDB client does it: measurement names escape commas and
// spaces, tag keys, tag values and field keys also equals signs, and all of them write line breaks and
// tabs as \n, \r, \t; string field values escape backslashes and double quotes.
const ESCAPED_CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function escapeWith(pattern: RegExp): (text: string) => string {
  const every = new RegExp(pattern.source, 'g');
  return (text) => (pattern.test(text) ? text.replace(every, (char) => ESCAPED_CONTROL[char] ?? `\\${char}`) : text);
}
const escapeMeasurement = escapeWith(/[, \n\r\t]/);
const escapeKey = escapeWith(/[,= \n\r\t]/);
const escapeString = (value: string) => `"${/["\\]/.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`;

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
