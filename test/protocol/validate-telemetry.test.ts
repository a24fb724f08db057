import { describe, expect, it } from 'vitest';
import { mqttLimits } from '../../protocol/mqtt/limits.ts';
import { TelemetryMessage } from '../../protocol/mqtt/telemetry.ts';
import { validateTelemetry } from '../../protocol/mqtt/validate-telemetry.ts';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const TOPIC = 'sc/v1/demo/gw-1/telemetry';

function message(overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    gateway: 'gw-1',
    seq: 7,
    sentAtMs: NOW,
    samples: [
      {
        device: 'c4:7c:8d:6a:11:02',
        timeMs: NOW - 1000,
        kind: 'heart_rate',
        values: { heartRateBpm: 132, sensorContact: 'detected', rrIntervalsMs: [455.1, 460] },
      },
      { device: 'c4:7c:8d:6a:11:02', timeMs: NOW - 1000, kind: 'battery', values: { batteryPercent: 80 } },
    ],
    ...overrides,
  };
}
const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('telemetry schema', () => {
  it('accepts a heart-rate and battery batch and keeps every value', () => {
    const result = validateTelemetry(TOPIC, encode(message()), NOW);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.message).toEqual(message());
  });

  it('accepts a strap without skin contact reporting 0 bpm', () => {
    const sample = { device: 'a1', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 0, sensorContact: 'not-detected' } };
    expect(TelemetryMessage.safeParse(message({ samples: [sample] })).success).toBe(true);
  });

  it.each([
    [
      'a heart rate of 0 with contact',
      { device: 'a1', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 0, sensorContact: 'detected' } },
    ],
    ['an unknown kind', { device: 'a1', timeMs: NOW, kind: 'mood', values: {} }],
    ['an unknown field', { device: 'a1', timeMs: NOW, kind: 'battery', values: { batteryPercent: 50, colour: 'red' } }],
    ['a battery over 100 %', { device: 'a1', timeMs: NOW, kind: 'battery', values: { batteryPercent: 101 } }],
    ['an RR interval of 20 ms', { device: 'a1', timeMs: NOW, kind: 'heart_rate', values: { heartRateBpm: 60, rrIntervalsMs: [20] } }],
    ['a device id with a slash', { device: 'a/1', timeMs: NOW, kind: 'battery', values: { batteryPercent: 5 } }],
    ['a time in seconds instead of ms', { device: 'a1', timeMs: Math.floor(NOW / 1000), kind: 'battery', values: { batteryPercent: 5 } }],
  ])('rejects %s as a schema violation naming the field', (_title, sample) => {
    const result = validateTelemetry(TOPIC, encode(message({ samples: [sample] })), NOW);
    expect(result).toMatchObject({ ok: false, reason: 'schema_violation' });
    if (!result.ok) expect(result.detail).toMatch(/samples/);
  });

  it('rejects a message without samples and one with more than the limit', () => {
    expect(validateTelemetry(TOPIC, encode(message({ samples: [] })), NOW)).toMatchObject({ ok: false, reason: 'schema_violation' });
    const many = Array.from({ length: mqttLimits.maxSamplesPerMessage + 1 }, (_, i) => ({
      device: 'a1',
      timeMs: NOW - i,
      kind: 'battery',
      values: { batteryPercent: 5 },
    }));
    expect(validateTelemetry(TOPIC, encode(message({ samples: many })), NOW)).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('rejects bytes that are not JSON', () => {
    expect(validateTelemetry(TOPIC, Buffer.from('{"v":1,'), NOW)).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('rejects a payload over the size limit before parsing it', () => {
    const payload = Buffer.alloc(mqttLimits.maxPayloadBytes + 1, 0x20);
    expect(validateTelemetry(TOPIC, payload, NOW)).toMatchObject({ ok: false, reason: 'payload_too_large' });
  });

  it('rejects a gateway publishing under another gateway id', () => {
    expect(validateTelemetry('sc/v1/demo/gw-2/telemetry', encode(message()), NOW)).toMatchObject({ ok: false, reason: 'gateway_mismatch' });
  });

  it('rejects samples stamped beyond the allowed clock skew, and accepts them just within it', () => {
    const at = (timeMs: number) => message({ samples: [{ device: 'a1', timeMs, kind: 'battery', values: { batteryPercent: 5 } }] });
    expect(validateTelemetry(TOPIC, encode(at(NOW + mqttLimits.maxFutureSkewMs + 1)), NOW)).toMatchObject({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(validateTelemetry(TOPIC, encode(at(NOW + mqttLimits.maxFutureSkewMs)), NOW).ok).toBe(true);
  });

  it('rejects a topic outside the v1 telemetry tree', () => {
    expect(validateTelemetry('sc/v1/demo/gw-1/status', encode(message()), NOW)).toMatchObject({ ok: false, reason: 'unknown_topic' });
  });
});
