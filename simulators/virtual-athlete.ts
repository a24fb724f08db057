import type { Sample } from '../protocol/mqtt/telemetry.ts';
import type { Random } from './random.ts';
import type { SimulatedMember } from './roster.ts';

export interface ImperfectionRates {
  /** Episodes per hour when the strap loses skin contact (5–20 s each). */
  contactLossPerHour: number;
  /** Episodes per hour when the strap goes silent: out of range, flat battery (10–45 s each). */
  dropoutPerHour: number;
}

export const defaultImperfections: ImperfectionRates = { contactLossPerHour: 2, dropoutPerHour: 1 };

// Heart-rate kinetics: first-order response to workload, faster on (≈30 s) than off (≈60 s), in line
// with published on/off kinetics of HR in interval training.
const TAU_ON_S = 30;
const TAU_OFF_S = 60;
const BATTERY_REPORT_EVERY_MS = 60_000;

/** RMSSD that HRV studies report: tens of ms at rest, a few ms near maximum effort. */
export function expectedRmssdMs(heartRateReserveFraction: number): number {
  const x = Math.min(1, Math.max(0, heartRateReserveFraction));
  return 6 + 54 * (1 - x) ** 2;
}

/** One member wearing one heart-rate strap: HR follows the workload, beats carry variability. */
export class VirtualAthlete {
  heartRateBpm: number;
  batteryPercent: number;
  private readonly random: Random;
  private readonly batteryDrainPerHour: number;
  private nextBeatMs: number | null = null;
  private contactLostUntilMs = 0;
  private silentUntilMs = 0;
  private lastBatteryReportMs = -Infinity;

  constructor(
    readonly member: SimulatedMember,
    random: Random,
    private readonly imperfections: ImperfectionRates = defaultImperfections,
  ) {
    this.random = random;
    this.heartRateBpm = member.restHrBpm + random.between(5, 20);
    this.batteryPercent = random.integer(35, 100);
    this.batteryDrainPerHour = random.between(1, 4);
  }

  /** Starts the member already settled at a workload, as if they had been training for a while. */
  settleAt(intensity: number): void {
    this.heartRateBpm = this.targetHeartRate(intensity);
  }

  /** Heart rate this member settles at for a workload (0..1), given their effort. */
  targetHeartRate(intensity: number): number {
    const fraction = Math.min(0.97, Math.max(0.05, intensity * this.member.effort));
    return this.member.restHrBpm + (this.member.maxHrBpm - this.member.restHrBpm) * fraction;
  }

  /** Advances the physiology by dtS and returns what the strap notifies at timeMs (maybe nothing). */
  tick(timeMs: number, intensity: number, dtS = 1): Sample[] {
    this.advanceHeartRate(intensity, dtS);
    this.rollImperfections(timeMs, dtS);
    this.batteryPercent = Math.max(0, this.batteryPercent - (this.batteryDrainPerHour * dtS) / 3600);
    const rrIntervalsMs = this.beatsUntil(timeMs);
    if (timeMs < this.silentUntilMs) return [];

    const device = this.member.deviceId;
    const samples: Sample[] = [];
    const contactLost = timeMs < this.contactLostUntilMs;
    samples.push({
      device,
      timeMs,
      kind: 'heart_rate',
      values: contactLost
        ? { heartRateBpm: 0, sensorContact: 'not-detected' }
        : {
            heartRateBpm: Math.round(this.heartRateBpm),
            sensorContact: 'detected',
            ...(rrIntervalsMs.length ? { rrIntervalsMs } : {}),
          },
    });
    if (timeMs - this.lastBatteryReportMs >= BATTERY_REPORT_EVERY_MS) {
      this.lastBatteryReportMs = timeMs;
      samples.push({ device, timeMs, kind: 'battery', values: { batteryPercent: Math.floor(this.batteryPercent) } });
    }
    return samples;
  }

  private advanceHeartRate(intensity: number, dtS: number): void {
    const target = this.targetHeartRate(intensity);
    const tau = target > this.heartRateBpm ? TAU_ON_S : TAU_OFF_S;
    this.heartRateBpm += (target - this.heartRateBpm) * (1 - Math.exp(-dtS / tau));
    this.heartRateBpm += this.random.gaussian() * 0.5 * Math.sqrt(dtS);
    this.heartRateBpm = Math.min(this.member.maxHrBpm, Math.max(this.member.restHrBpm - 3, this.heartRateBpm));
  }

  private rollImperfections(timeMs: number, dtS: number): void {
    if (timeMs >= this.contactLostUntilMs && this.random.chance((this.imperfections.contactLossPerHour * dtS) / 3600)) {
      this.contactLostUntilMs = timeMs + this.random.between(5_000, 20_000);
    }
    if (timeMs >= this.silentUntilMs && this.random.chance((this.imperfections.dropoutPerHour * dtS) / 3600)) {
      this.silentUntilMs = timeMs + this.random.between(10_000, 45_000);
    }
  }

  /** RR intervals of the beats that ended since the previous notification, up to timeMs. */
  private beatsUntil(timeMs: number): number[] {
    const meanRrMs = 60_000 / this.heartRateBpm;
    const reserve = (this.heartRateBpm - this.member.restHrBpm) / (this.member.maxHrBpm - this.member.restHrBpm);
    // Independent beat-to-beat deviations of σ give an RMSSD of σ·√2.
    const sigmaMs = expectedRmssdMs(reserve) / Math.SQRT2;
    if (this.nextBeatMs === null) this.nextBeatMs = timeMs - this.random.between(0, meanRrMs);
    const intervals: number[] = [];
    while (true) {
      const rr = Math.min(2000, Math.max(250, meanRrMs + this.random.gaussian() * sigmaMs));
      if (this.nextBeatMs + rr > timeMs) break;
      this.nextBeatMs += rr;
      intervals.push(Math.round(rr * 10) / 10);
    }
    return intervals;
  }
}
