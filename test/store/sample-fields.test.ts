import { describe, expect, it } from 'vitest';
import { validateTelemetry } from '../../protocol/mqtt/validate-telemetry.ts';
import { toStoredFields } from '../../store/sample-fields.ts';

const NOW = Date.UTC(2026, 10, 27, 18, 0, 0);

describe('what is stored of a fitness machine sample', () => {
  it('stores no heart rate when a machine reports 0 (no hand on the grips), and stores a real one', () => {
    expect(toStoredFields({ device: 'bike', timeMs: NOW, kind: 'indoor_bike', values: { powerW: 200, heartRateBpm: 0 } })).toEqual({
      powerW: 200,
    });
    expect(toStoredFields({ device: 'bike', timeMs: NOW, kind: 'indoor_bike', values: { powerW: 200, heartRateBpm: 140 } })).toEqual({
      powerW: 200,
      heartRateBpm: 140,
    });
  });

  it('stores expended energy in kcal, also when an earlier gateway called the same value energyKj', () => {
    const fromNewGateway = toStoredFields({
      device: 'mill',
      timeMs: NOW,
      kind: 'treadmill',
      values: { energyKcal: 120, energyPerHourKcal: 600 },
    });
    const fromEarlierGateway = toStoredFields({ device: 'mill', timeMs: NOW, kind: 'treadmill', values: { energyKj: 120 } });
    expect(fromNewGateway).toEqual({ energyKcal: 120, energyPerHourKcal: 600 });
    expect(fromEarlierGateway).toEqual({ energyKcal: 120 });
  });

  it('accepts a whole message from a gateway of the previous release (energyKj, a heart rate of 0)', () => {
    const message = {
      v: 1,
      gateway: 'gw',
      seq: 1,
      sentAtMs: NOW,
      samples: [{ device: 'bike', timeMs: NOW, kind: 'indoor_bike', values: { energyKj: 55, heartRateBpm: 0, powerW: 150 } }],
    };
    const validation = validateTelemetry('sc/v1/club/gw/telemetry', Buffer.from(JSON.stringify(message)), NOW);
    expect(validation.ok).toBe(true);
  });
});
