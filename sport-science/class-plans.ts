import type { ClassPlanId } from '../protocol/roster.ts';

// Class plans: a session's phases with their workload, what the big screen shows (the phase and how long
// it lasts) and what the simulator's athletes follow.

/** A phase of a session: workload ramps linearly from startIntensity to endIntensity (0 = rest, 1 = max). */
export interface Phase {
  name: string;
  durationS: number;
  startIntensity: number;
  endIntensity: number;
}

export interface ClassScript {
  name: string;
  phases: Phase[];
}

const steady = (name: string, durationS: number, intensity: number): Phase => ({
  name,
  durationS,
  startIntensity: intensity,
  endIntensity: intensity,
});

/** The 45-minute HIIT class of the demo: warm-up, 10 × (90 s hard / 90 s easy), cool-down. */
export function hiitClass(): ClassScript {
  const intervals: Phase[] = [];
  for (let round = 1; round <= 10; round++) {
    intervals.push(steady(`interval ${round}`, 90, 0.9), steady(`recovery ${round}`, 90, 0.42));
  }
  return {
    name: 'HIIT 45',
    phases: [
      { name: 'warm-up', durationS: 480, startIntensity: 0.3, endIntensity: 0.6 },
      ...intervals,
      { name: 'cool-down', durationS: 420, startIntensity: 0.5, endIntensity: 0.2 },
    ],
  };
}

export function scriptDurationS(script: ClassScript): number {
  return script.phases.reduce((total, phase) => total + phase.durationS, 0);
}

/** Workload and phase at a time into the class; the class repeats when it ends (endless demo). */
export function workloadAt(script: ClassScript, elapsedS: number): { intensity: number; phase: string } {
  let offset = ((elapsedS % scriptDurationS(script)) + scriptDurationS(script)) % scriptDurationS(script);
  for (const phase of script.phases) {
    if (offset < phase.durationS) {
      const progress = offset / phase.durationS;
      return { intensity: phase.startIntensity + (phase.endIntensity - phase.startIntensity) * progress, phase: phase.name };
    }
    offset -= phase.durationS;
  }
  const last = script.phases.at(-1)!;
  return { intensity: last.endIntensity, phase: last.name };
}

/** The plans a session may follow, by id. */
export const CLASS_PLANS: Record<ClassPlanId, ClassScript> = { 'hiit-45': hiitClass() };

/** Where a session following a plan is: the phase and the seconds left in it; null once the plan is over. */
export function planPhaseAt(script: ClassScript, elapsedMs: number): { phase: string; remainingS: number } | null {
  let offsetS = elapsedMs / 1000;
  if (offsetS < 0) return null;
  for (const phase of script.phases) {
    if (offsetS < phase.durationS) return { phase: phase.name, remainingS: Math.ceil(phase.durationS - offsetS) };
    offsetS -= phase.durationS;
  }
  return null;
}
