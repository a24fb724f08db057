import { describe, expect, it } from 'vitest';
import type { Sample } from '../../protocol/mqtt/telemetry.ts';
import { Random } from '../../simulators/random.ts';
import type { SimulatedMember } from '../../simulators/roster.ts';
import { SimulatedClass } from '../../simulators/simulated-class.ts';
import { VirtualAthlete } from '../../simulators/virtual-athlete.ts';

const member: SimulatedMember = {
  id: 'm1',
  name: 'Test',
  restHrBpm: 55,
  maxHrBpm: 185,
  deviceId: 'hrm-1',
  effort: 1,
  lagS: 0,
  sex: 'female',
  ageYears: 30,
  weightKg: 60,
};
const perfect = { contactLossPerHour: 0, dropoutPerHour: 0 };
const T0 = Date.UTC(2026, 0, 1);

function run(athlete: VirtualAthlete, seconds: number, intensity: number, fromS = 0) {
  const heartRates: number[] = [];
  const rr: number[] = [];
  for (let s = 1; s <= seconds; s++) {
    for (const sample of athlete.tick(T0 + (fromS + s) * 1000, intensity)) {
      if (sample.kind !== 'heart_rate') continue;
      heartRates.push(sample.values.heartRateBpm);
      rr.push(...(sample.values.rrIntervalsMs ?? []));
    }
  }
  return { heartRates, rr };
}

const rmssd = (rr: number[]) => Math.sqrt(rr.slice(1).reduce((sum, value, i) => sum + (value - rr[i]!) ** 2, 0) / (rr.length - 1));

describe('virtual athlete physiology', () => {
  it('keeps heart rate between rest and max through a whole class, whatever the workload', () => {
    for (const seed of [1, 2, 3]) {
      const { heartRates } = run(new VirtualAthlete(member, new Random(seed), perfect), 2700, seed === 1 ? 0 : seed === 2 ? 1 : 0.6);
      expect(Math.min(...heartRates)).toBeGreaterThanOrEqual(member.restHrBpm - 3);
      expect(Math.max(...heartRates)).toBeLessThanOrEqual(member.maxHrBpm);
    }
  });

  it('rises towards a hard workload over tens of seconds, not at once, and recovers more slowly', () => {
    const athlete = new VirtualAthlete(member, new Random(7), perfect);
    run(athlete, 300, 0.1); // settle near rest
    const target = athlete.targetHeartRate(0.9);
    const start = athlete.heartRateBpm;
    const { heartRates: rising } = run(athlete, 120, 0.9, 300);
    const gap = target - start;
    // After 5 s well under half way; after 30 s (one time constant) about 63 %; after 120 s nearly there.
    expect(rising[4]! - start).toBeLessThan(gap * 0.35);
    expect(rising[29]! - start).toBeGreaterThan(gap * 0.45);
    expect(rising[29]! - start).toBeLessThan(gap * 0.8);
    expect(target - rising[119]!).toBeLessThan(gap * 0.1);
    const peak = athlete.heartRateBpm;
    const { heartRates: recovering } = run(athlete, 30, 0.1, 420);
    const restTarget = athlete.targetHeartRate(0.1);
    // 30 s of recovery covers less of the way down than 30 s of effort covered up (τ 60 s vs 30 s).
    expect((peak - recovering[29]!) / (peak - restTarget)).toBeLessThan((rising[29]! - start) / gap);
  });

  it('beats with RR intervals whose variability is tens of ms at rest and falls with effort', () => {
    const resting = new VirtualAthlete(member, new Random(11), perfect);
    run(resting, 300, 0);
    const { rr: restRr, heartRates: restHr } = run(resting, 300, 0, 300);
    const working = new VirtualAthlete(member, new Random(12), perfect);
    run(working, 300, 0.9);
    const { rr: workRr } = run(working, 300, 0.9, 300);

    expect(rmssd(restRr)).toBeGreaterThan(20);
    expect(rmssd(restRr)).toBeLessThan(100);
    expect(rmssd(workRr)).toBeLessThan(rmssd(restRr) / 2);
    // The beats agree with the reported rate: mean RR ≈ 60000 / mean bpm.
    const meanRr = restRr.reduce((a, b) => a + b, 0) / restRr.length;
    const meanHr = restHr.reduce((a, b) => a + b, 0) / restHr.length;
    expect(Math.abs(60_000 / meanRr - meanHr)).toBeLessThan(3);
  });

  it('loses skin contact and drops out at about the configured rates', () => {
    const athlete = new VirtualAthlete(member, new Random(5), { contactLossPerHour: 30, dropoutPerHour: 20 });
    let contactLost = 0;
    let silent = 0;
    for (let s = 1; s <= 3600; s++) {
      const samples = athlete.tick(T0 + s * 1000, 0.5).filter((sample) => sample.kind === 'heart_rate');
      if (samples.length === 0) silent++;
      else if (samples[0]!.kind === 'heart_rate' && samples[0]!.values.sensorContact === 'not-detected') contactLost++;
    }
    // 30 episodes/h of 5–20 s and 20 of 10–45 s: a few hundred seconds each, far from 0 and from all.
    expect(contactLost).toBeGreaterThan(120);
    expect(contactLost).toBeLessThan(900);
    expect(silent).toBeGreaterThan(150);
    expect(silent).toBeLessThan(1200);
  });
});

describe('simulated class', () => {
  const play = (seed: number): Sample[] => {
    const simulated = new SimulatedClass({ athletes: 5, seed, startMs: T0 });
    return Array.from({ length: 120 }, (_, s) => simulated.tick(T0 + (s + 1) * 1000)).flat();
  };

  it('replays exactly for the same seed and differs for another', () => {
    expect(play(42)).toEqual(play(42));
    expect(play(43)).not.toEqual(play(42));
  });

  it('gives every member their own strap and a plausible profile', () => {
    const simulated = new SimulatedClass({ athletes: 20, seed: 1, startMs: T0 });
    expect(new Set(simulated.members.map((m) => m.deviceId)).size).toBe(20);
    for (const m of simulated.members) {
      expect(m.restHrBpm).toBeGreaterThanOrEqual(40);
      expect(m.maxHrBpm).toBeGreaterThan(150);
      expect(m.maxHrBpm).toBeLessThan(210);
    }
  });
});
