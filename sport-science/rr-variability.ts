/**
 * Heart-rate variability from RR intervals (the time between beats). Artefacts (a missed or an extra
 * beat, a strap moving) are removed first, as Kubios and most field tools do, because one artefact
 * dominates RMSSD:
 * - physiological bounds: 300–2000 ms (200 to 30 beats a minute);
 * - successive-difference rule: a beat differing from the last accepted one by more than 20 % is dropped
 *   (Malik's rule), and the next beat is compared with the last accepted one.
 * RMSSD uses only differences of beats that were adjacent in the recording (no difference spans a
 * removed beat); SDNN is the sample standard deviation (n − 1) of the accepted beats.
 */
export const RR_MIN_MS = 300;
export const RR_MAX_MS = 2000;
export const RR_MAX_RELATIVE_CHANGE = 0.2;
/** Fewer accepted beats than this give no HRV figure (about 30 s at rest). */
export const RR_MIN_BEATS = 30;

/** The accepted beats, each with whether it follows the previous accepted beat directly. */
export function filterRrIntervals(rrMs: readonly number[]): { rrMs: number; adjacent: boolean }[] {
  const accepted: { rrMs: number; adjacent: boolean }[] = [];
  let previousAccepted: number | null = null;
  let previousWasAccepted = false;
  for (const rr of rrMs) {
    const plausible = Number.isFinite(rr) && rr >= RR_MIN_MS && rr <= RR_MAX_MS;
    const steady = previousAccepted === null || Math.abs(rr - previousAccepted) <= RR_MAX_RELATIVE_CHANGE * previousAccepted;
    if (plausible && steady) {
      accepted.push({ rrMs: rr, adjacent: previousWasAccepted });
      previousAccepted = rr;
      previousWasAccepted = true;
    } else previousWasAccepted = false;
  }
  return accepted;
}

/** Root mean square of successive differences, in ms; null with too few clean beats. */
export function rmssdMs(rrMs: readonly number[]): number | null {
  const beats = filterRrIntervals(rrMs);
  if (beats.length < RR_MIN_BEATS) return null;
  let sum = 0;
  let count = 0;
  for (let index = 1; index < beats.length; index++) {
    if (!beats[index]!.adjacent) continue;
    const difference = beats[index]!.rrMs - beats[index - 1]!.rrMs;
    sum += difference * difference;
    count++;
  }
  return count === 0 ? null : Math.sqrt(sum / count);
}

/** Standard deviation of the clean beats (sample SD, n − 1), in ms; null with too few clean beats. */
export function sdnnMs(rrMs: readonly number[]): number | null {
  const beats = filterRrIntervals(rrMs).map((beat) => beat.rrMs);
  if (beats.length < RR_MIN_BEATS) return null;
  const mean = beats.reduce((sum, rr) => sum + rr, 0) / beats.length;
  const squares = beats.reduce((sum, rr) => sum + (rr - mean) ** 2, 0);
  return Math.sqrt(squares / (beats.length - 1));
}
