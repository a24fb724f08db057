import type { CrankRevolutions, WheelRevolutions } from './cycling.ts';

export interface DeriverOptions {
  /** Wheel circumference, m (700×25c road tyre: 2.105 m). */
  wheelCircumferenceM: number;
  /** Event times roll over at 64 s (UINT16 in 1/1024 s) for CSC, 32 s (1/2048 s) for Cycling Power wheel data. */
  wheelTimeRolloverS: number;
  /** Without a new crank or wheel event this long, cadence or speed decays to 0 (the rider stopped). */
  staleAfterMs: number;
  maxCadenceRpm: number;
  maxSpeedMps: number;
}

export const defaultDeriverOptions: DeriverOptions = {
  wheelCircumferenceM: 2.105,
  wheelTimeRolloverS: 64,
  staleAfterMs: 3000,
  maxCadenceRpm: 250,
  maxSpeedMps: 30,
};

interface Counter {
  revs: number;
  eventTimeS: number;
  lastEventAtMs: number;
  value: number | null;
}

/**
 * Cadence and speed from cumulative revolution counts, as CSC and Cycling Power sensors report them:
 * the first measurement only seeds; crank counts and event times roll over at UINT16, wheel counts at
 * UINT32; a repeated event time keeps the last value until it is stale, then 0; an implausible jump
 * (a sensor reset, a corrupted packet) reseeds instead of producing a spike. reset() on reconnect.
 */
export class RevolutionDeriver {
  private crank: Counter | null = null;
  private wheel: Counter | null = null;
  private distanceM = 0;

  constructor(private readonly options: DeriverOptions = defaultDeriverOptions) {}

  reset(): void {
    this.crank = null;
    this.wheel = null;
  }

  cadence(data: CrankRevolutions, atMs: number): number | undefined {
    const next = this.advance(
      this.crank,
      data.cumulativeCrankRevs,
      data.lastCrankEventTimeS,
      0x10000,
      64,
      atMs,
      (revs, seconds) => (revs / seconds) * 60,
      this.options.maxCadenceRpm,
    );
    this.crank = next.counter;
    return next.value;
  }

  /** Speed in m/s and the distance covered since the first measurement. */
  speed(data: WheelRevolutions, atMs: number): { speedMps?: number; distanceM: number } {
    const circumference = this.options.wheelCircumferenceM;
    const before = this.wheel?.revs;
    const next = this.advance(
      this.wheel,
      data.cumulativeWheelRevs,
      data.lastWheelEventTimeS,
      0x1_0000_0000,
      this.options.wheelTimeRolloverS,
      atMs,
      (revs, seconds) => (revs * circumference) / seconds,
      this.options.maxSpeedMps,
    );
    if (before !== undefined && next.counter && next.counter.revs !== before && next.value !== undefined) {
      this.distanceM += ((next.counter.revs - before + 0x1_0000_0000) % 0x1_0000_0000) * circumference;
    }
    this.wheel = next.counter;
    return { ...(next.value !== undefined ? { speedMps: next.value } : {}), distanceM: Math.round(this.distanceM * 100) / 100 };
  }

  private advance(
    last: Counter | null,
    revs: number,
    eventTimeS: number,
    revsModulo: number,
    timeRolloverS: number,
    atMs: number,
    rate: (revs: number, seconds: number) => number,
    maxRate: number,
  ): { counter: Counter | null; value: number | undefined } {
    const seed: Counter = { revs, eventTimeS, lastEventAtMs: atMs, value: null };
    if (!last) return { counter: seed, value: undefined };
    const deltaRevs = (revs - last.revs + revsModulo) % revsModulo;
    const deltaS = (eventTimeS - last.eventTimeS + timeRolloverS) % timeRolloverS;
    if (deltaS === 0) {
      // No new event: coasting or standing. Keep the last value while it is fresh, then report 0.
      if (deltaRevs !== 0) return { counter: seed, value: undefined };
      const stale = atMs - last.lastEventAtMs > this.options.staleAfterMs;
      const value = stale ? 0 : (last.value ?? undefined);
      return { counter: { ...last, value: stale ? 0 : last.value }, value };
    }
    const value = rate(deltaRevs, deltaS);
    if (!Number.isFinite(value) || value > maxRate) return { counter: seed, value: undefined };
    const rounded = Math.round(value * 100) / 100;
    return { counter: { revs, eventTimeS, lastEventAtMs: atMs, value: rounded }, value: rounded };
  }
}
