import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelemetryMessage } from '../../protocol/mqtt/telemetry.ts';
import { commonTelemetry } from '../../protocol/mqtt/telemetry-fast-path.ts';

// Values at and just past every bound the schema sets, and other JSON.
const edgeNumber = fc.oneof(
  fc.constantFrom(-1, 0, 19, 20, 150, 149.9, 300, 301, 3000, 3000.5, 65535, 65536, 100, 101, 0.5, 946_684_799_999, 946_684_800_000),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const anyJson = fc.oneof(
  edgeNumber,
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(edgeNumber, { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

const heartRate = fc.record(
  {
    heartRateBpm: fc.integer({ min: 0, max: 300 }),
    sensorContact: fc.constantFrom('detected', 'not-detected', 'not-supported'),
    energyExpendedKj: fc.integer({ min: 0, max: 65535 }),
    rrIntervalsMs: fc.array(fc.double({ min: 150, max: 3000, noNaN: true }), { maxLength: 32 }),
  },
  { requiredKeys: ['heartRateBpm'] },
);
const sample = fc.oneof(
  fc.record({
    device: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/),
    timeMs: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
    kind: fc.constant('heart_rate'),
    values: heartRate,
  }),
  fc.record({
    device: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/),
    timeMs: fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
    kind: fc.constant('battery'),
    values: fc.record({ batteryPercent: fc.integer({ min: 0, max: 100 }) }),
  }),
);
const message = fc.record({
  v: fc.constant(1),
  gateway: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,47}$/),
  seq: fc.nat(),
  sentAtMs: fc.nat(),
  samples: fc.array(sample, { minLength: 1, maxLength: 5 }),
});

/** A message with one thing changed: a key's value replaced, a key removed or added, at any depth. */
const mutated = fc
  .tuple(message, fc.nat(), fc.nat(), fc.constantFrom('replace', 'remove', 'add'), anyJson, fc.string({ maxLength: 12 }))
  .map(([original, at, keyAt, how, value, newKey]) => {
    const copy = structuredClone(original) as Record<string, unknown>;
    const sampleAt = copy.samples as Record<string, unknown>[];
    const targets: Record<string, unknown>[] = [copy, ...sampleAt, ...sampleAt.map((one) => one.values as Record<string, unknown>)];
    const target = targets[at % targets.length]!;
    const keys = Object.keys(target);
    const key = keys[keyAt % keys.length]!;
    if (how === 'replace') target[key] = value;
    else if (how === 'remove') delete target[key];
    else target[newKey] = value;
    // Ingest only ever sees what JSON.parse makes of a payload (a "__proto__" key becomes an own key).
    return JSON.stringify(copy);
  });

describe('telemetry fast path', () => {
  it('decides a valid heart-rate or battery message itself, exactly as the schema parses it', () => {
    fc.assert(
      fc.property(message, (valid) => {
        const fromSchema = TelemetryMessage.safeParse(valid);
        const fast = commonTelemetry(structuredClone(valid));
        // Low heart rates without "not-detected" are invalid by the schema's refinement: the generator makes some.
        if (!fromSchema.success) expect(fast).toBeNull();
        else expect(fast).toEqual(fromSchema.data);
      }),
      { numRuns: 3000 },
    );
    const ordinary = {
      v: 1,
      gateway: 'gw',
      seq: 1,
      sentAtMs: 1,
      samples: [{ device: 'hr-1', timeMs: Date.now(), kind: 'heart_rate', values: { heartRateBpm: 120 } }],
    };
    expect(commonTelemetry(ordinary)).toBe(ordinary);
  });

  it('never accepts what the schema refuses, whatever one change does to a message', () => {
    fc.assert(
      fc.property(mutated, (payload) => {
        const fast = commonTelemetry(JSON.parse(payload));
        if (fast === null) return;
        const fromSchema = TelemetryMessage.safeParse(JSON.parse(payload));
        expect(fromSchema.success).toBe(true);
        expect(fast).toEqual(fromSchema.data);
      }),
      { numRuns: 20_000 },
    );
  });

  it('leaves other kinds of samples, and prototype tricks, to the schema', () => {
    const power = {
      v: 1,
      gateway: 'gw',
      seq: 1,
      sentAtMs: 1,
      samples: [{ device: 'p', timeMs: Date.now(), kind: 'cycling_power', values: { powerW: 200 } }],
    };
    expect(commonTelemetry(power)).toBeNull();
    expect(TelemetryMessage.safeParse(power).success).toBe(true);
    const sneaky = JSON.parse(
      `{"v":1,"gateway":"gw","seq":1,"sentAtMs":1,"samples":[{"device":"d","timeMs":${Date.now()},"kind":"battery","values":{"batteryPercent":5,"__proto__":{"x":1}}}]}`,
    );
    expect(commonTelemetry(sneaky)).toBeNull();
  });
});
