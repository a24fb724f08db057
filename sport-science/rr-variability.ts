/**
 * Heart-rate variability from RR intervals (the time between beats). Artefacts (a missed or an extra
 * beat, a strap moving) are removed first, as Kubios and most field tools do, because one artefact
 * dominates RMSSD:
 * - physiological bounds: 300–2000 ms (200 to 30 beats a minute);
 * - a median filter: a beat differing by more than 20 % from the median of the plausible beats around it
 *   (five before, five after) is dropped. Comparing with the neighbourhood rather than with the last kept
 *   beat means a bad first beat cannot reject the whole recording, and a change of pace is followed.
 * RMSSD uses only differences of beats that were adjacent in the recording (no difference spans a
 * removed beat); SDNN is the sample standard deviation (n − 1) of the accepted beats.
 */
export const RR_MIN_MS = 300;
export const RR_MAX_MS = 2000;
export const RR_MAX_RELATIVE_CHANGE = 0.2;
/** Fewer accepted beats than this give no HRV figure (about 30 s at rest). */
export const RR_MIN_BEATS = 30;
const NEIGHBOURS = 5;

/** The accepted beats, each with whether it follows the previous beat of the recording directly. */
export function filterRrIntervals(rrMs: readonly number[]): { rrMs: number; adjacent: boolean }[] {
  const plausible = rrMs.map((rr) => Number.isFinite(rr) && rr >= RR_MIN_MS && rr <= RR_MAX_MS);
  const accepted: { rrMs: number; adjacent: boolean }[] = [];
  let previousAccepted = false;
  for (const [index, rr] of rrMs.entries()) {
    let keep = false;
    if (plausible[index]) {
      const around: number[] = [];
      for (let other = Math.max(0, index - NEIGHBOURS); other <= Math.min(rrMs.length - 1, index + NEIGHBOURS); other++)
        if (other !== index && plausible[other]) around.push(rrMs[other]!);
      const reference = median(around) ?? rr;
      keep = Math.abs(rr - reference) <= RR_MAX_RELATIVE_CHANGE * reference;
    }
    if (keep) accepted.push({ rrMs: rr, adjacent: previousAccepted });
    previousAccepted = keep;
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

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const middle = Math.floor(values.length / 2);
  return values.length % 2 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
