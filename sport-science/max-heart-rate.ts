import type { MaxHrFormula } from '../protocol/roster.ts';

/**
 * Estimates of the maximum heart rate from age, for athletes who have not had theirs measured. A club
 * chooses one; the estimate is shown as such. Sources: Tanaka, Monahan & Seals 2001
 * (208 − 0.7 × age, from a meta-analysis of 351 studies); Fox, Naughton & Haskell 1971 (220 − age, the
 * classic, which overestimates for the young and underestimates past 40); Gellish et al. 2007
 * (207 − 0.7 × age, a longitudinal study).
 */
const FORMULAS: Record<MaxHrFormula, (ageYears: number) => number> = {
  tanaka: (age) => 208 - 0.7 * age,
  fox: (age) => 220 - age,
  gellish: (age) => 207 - 0.7 * age,
};

/** Whole beats per minute; null without an age. */
export function estimateMaxHeartRate(formula: MaxHrFormula, ageYears: number | null): number | null {
  if (ageYears === null || ageYears < 0) return null;
  return Math.round(FORMULAS[formula](ageYears));
}
