import { Point } from '@influxdata/influxdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_COUNT_FIELD, toLine } from '../../store/influx/line-protocol.ts';
import type { StoredPoint } from '../../store/time-series-store.ts';

/** The same point through the InfluxDB client's Point, the reference our hand-written lines must match. */
function viaClient(point: StoredPoint): string {
  const reference = new Point(point.kind).tag('club', point.club).tag('device', point.device).timestamp(point.timeMs);
  if (point.athlete) reference.tag('athlete', point.athlete);
  reference.floatField(SAMPLE_COUNT_FIELD, 1);
  for (const [name, value] of Object.entries(point.fields)) {
    if (typeof value === 'number') reference.floatField(name, value);
    else reference.stringField(name, value);
  }
  return reference.toLineProtocol()!;
}

// Names with every character line protocol escapes (and some it does not), never empty.
const awkward = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '-', '_', ' ', ',', '=', '"', '\\', 'é', '\n', '\r', '\t'),
  minLength: 1,
  maxLength: 8,
});
const fieldName = awkward.filter((name) => name !== SAMPLE_COUNT_FIELD && !name.startsWith(' '));
const point = fc.record({
  club: awkward,
  device: awkward,
  athlete: fc.option(awkward, { nil: null }),
  kind: fc.constantFrom('heart_rate', 'cycling_power', 'odd kind,x'),
  timeMs: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
  fields: fc.dictionary(fieldName, fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), awkward), { maxKeys: 6 }),
}) as fc.Arbitrary<StoredPoint>;

describe('line protocol written by hand', () => {
  it('matches the InfluxDB client line for line, escapes included', () => {
    fc.assert(
      fc.property(point, (stored) => {
        expect(toLine(stored)).toBe(viaClient(stored));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a heart-rate sample as InfluxDB expects it', () => {
    const line = toLine({
      club: 'club-a',
      device: 'hr-1',
      athlete: 'ann',
      kind: 'heart_rate',
      timeMs: 1_700_000_000_123,
      fields: { heartRateBpm: 142, contact: 1, rrIntervalsMs: '422.5,419' },
    });
    expect(line).toBe(
      'heart_rate,athlete=ann,club=club-a,device=hr-1 contact=1,heartRateBpm=142,rrIntervalsMs="422.5,419",samples=1 1700000000123',
    );
  });

  it('refuses a value that is not a finite number instead of writing a line InfluxDB rejects', () => {
    const broken: StoredPoint = {
      club: 'c',
      device: 'd',
      athlete: null,
      kind: 'heart_rate',
      timeMs: 1,
      fields: { heartRateBpm: Number.NaN },
    };
    expect(() => toLine(broken)).toThrow(/heartRateBpm of d is not a finite number/);
  });
});
