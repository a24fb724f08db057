/**
 * Energy expenditure from heart rate: Keytel et al. 2005, "Prediction of energy expenditure from heart
 * rate monitoring during submaximal exercise", J Sports Sci 23(3):289–297, the model without VO2max:
 *   men:   kcal/min = (−55.0969 + 0.6309·HR + 0.1988·weight + 0.2017·age) / 4.184
 *   women: kcal/min = (−20.4022 + 0.4472·HR − 0.1263·weight + 0.074·age) / 4.184
 * Fitted on 115 adults aged 18–45 exercising at heart rates of roughly 90–180 bpm: outside those it is an
 * extrapolation (at rest it underestimates, and it knows nothing of beta blockers or of children). A
 * negative result (low heart rates) counts as zero.
 */
export const KEYTEL_VALID_AGE_YEARS = [18, 45] as const;
export const KEYTEL_VALID_HR_BPM = [90, 180] as const;

export function keytelKcalPerMinute(heartRateBpm: number, athlete: { sex: 'male' | 'female'; weightKg: number; ageYears: number }): number {
  const { sex, weightKg, ageYears } = athlete;
  const kilojoules =
    sex === 'male'
      ? -55.0969 + 0.6309 * heartRateBpm + 0.1988 * weightKg + 0.2017 * ageYears
      : -20.4022 + 0.4472 * heartRateBpm - 0.1263 * weightKg + 0.074 * ageYears;
  return Math.max(0, kilojoules / 4.184);
}
