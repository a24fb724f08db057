import type { Sample } from '../protocol/mqtt/telemetry.ts';
import { type ClassScript, hiitClass, workloadAt } from '../sport-science/class-plans.ts';
import { Random } from './random.ts';
import { createRoster, type SimulatedMember } from './roster.ts';
import { defaultImperfections, type ImperfectionRates, VirtualAthlete } from './virtual-athlete.ts';

export interface SimulatedClassOptions {
  athletes: number;
  seed: number;
  /** When the class started (epoch ms): elapsed class time is measured from it. */
  startMs: number;
  script?: ClassScript;
  imperfections?: ImperfectionRates;
}

/** A whole class following one script: every member's strap, ticked together once per second. */
export class SimulatedClass {
  readonly members: SimulatedMember[];
  readonly athletes: VirtualAthlete[];
  readonly script: ClassScript;
  private lastTickMs: number | null = null;

  constructor(private readonly options: SimulatedClassOptions) {
    this.script = options.script ?? hiitClass();
    this.members = createRoster(options.athletes, options.seed);
    const random = new Random(options.seed ^ 0x5eed);
    this.athletes = this.members.map((member) => new VirtualAthlete(member, random.fork(), options.imperfections ?? defaultImperfections));
  }

  /** Puts every member at the heart rate the class has brought them to by timeMs (joining mid-class). */
  settleAt(timeMs: number): void {
    const elapsedS = (timeMs - this.options.startMs) / 1000;
    for (const athlete of this.athletes) athlete.settleAt(workloadAt(this.script, elapsedS - athlete.member.lagS).intensity);
  }

  phaseAt(timeMs: number): string {
    return workloadAt(this.script, (timeMs - this.options.startMs) / 1000).phase;
  }

  /** Samples every strap notifies at timeMs; ticks must move forward in time. */
  tick(timeMs: number): Sample[] {
    const dtS = this.lastTickMs === null ? 1 : Math.max(0.001, (timeMs - this.lastTickMs) / 1000);
    this.lastTickMs = timeMs;
    const elapsedS = (timeMs - this.options.startMs) / 1000;
    return this.athletes.flatMap((athlete) => {
      const { intensity } = workloadAt(this.script, elapsedS - athlete.member.lagS);
      return athlete.tick(timeMs, intensity, dtS);
    });
  }
}
