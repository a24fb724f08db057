/**
 * Morning readiness from a 2–5 minute measurement lying still: ln(RMSSD) against the athlete's baseline,
 * the mean and standard deviation of their earlier measurements of the last 30 days (at least 5). Within
 * half a standard deviation: as usual; below: lower than usual (more strain, less recovery); above:
 * higher than usual. A trend to read with how one feels, not a diagnosis.
 */
export const READINESS_MIN_S = 120;
export const READINESS_MAX_S = 300;
export const READINESS_BASELINE_DAYS = 30;
export const READINESS_BASELINE_MIN = 5;
const BAND_SD = 0.5;

export type ReadinessStatus = 'baseline-building' | 'as-usual' | 'lower-than-usual' | 'higher-than-usual';

export function readinessStatus(
  lnRmssd: number,
  earlier: readonly number[],
): { status: ReadinessStatus; baselineMean: number | null; baselineSd: number | null } {
  if (earlier.length < READINESS_BASELINE_MIN) return { status: 'baseline-building', baselineMean: null, baselineSd: null };
  const mean = earlier.reduce((sum, value) => sum + value, 0) / earlier.length;
  const sd = Math.sqrt(earlier.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (earlier.length - 1));
  const status = lnRmssd < mean - BAND_SD * sd ? 'lower-than-usual' : lnRmssd > mean + BAND_SD * sd ? 'higher-than-usual' : 'as-usual';
  return { status, baselineMean: round(mean), baselineSd: round(sd) };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
