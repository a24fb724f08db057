/**
 * Training load over days, from each day's load (the sum of that day's Banister TRIMP):
 * - acute and chronic load: exponentially weighted moving averages over 7 and 28 days, λ = 2/(N+1)
 *   (Williams et al. 2017), and their ratio (ACWR), shown only after 28 days of data and only as a trend
 *   flag: the evidence does not support it as an injury predictor (Impellizzeri et al. 2020);
 * - fitness, fatigue and form as the Performance Manager Chart (and GoldenCheetah, Intervals.icu) compute
 *   them: fitness and fatigue with time constants of 42 and 7 days, λ = 1 − e^(−1/N), form = yesterday's
 *   fitness − yesterday's fatigue (so today's session does not lower today's form).
 * Days without training count as a load of 0; averages start from 0 on the first day with data.
 */
export const ACUTE_DAYS = 7;
export const CHRONIC_DAYS = 28;
export const FITNESS_DAYS = 42;
export const FATIGUE_DAYS = 7;
/** Above: load rising faster than the body is used to; below: detraining. A trend, not a prediction. */
export const ACWR_HIGH = 1.5;
export const ACWR_LOW = 0.8;

/** Williams et al.'s EWMA for acute and chronic load. */
export const ewmaLambda = (days: number) => 2 / (days + 1);
/** The impulse-response model's decay for fitness and fatigue (time constant in days). */
export const decayLambda = (days: number) => 1 - Math.exp(-1 / days);

export interface LoadDay {
  /** The day (UTC midnight, ms). */
  dayMs: number;
  load: number;
  acute: number;
  chronic: number;
  /** null during the first 28 days of data. */
  acwr: number | null;
  trend: 'rising-fast' | 'steady' | 'falling' | null;
  fitness: number;
  fatigue: number;
  form: number;
}

const DAY_MS = 86_400_000;

/** Every day from the first with load to `untilDayMs`, with the averages as of its end. */
export function trainingLoad(dailyLoads: ReadonlyMap<number, number>, untilDayMs: number): LoadDay[] {
  if (dailyLoads.size === 0) return [];
  const firstDay = Math.min(...dailyLoads.keys());
  const days: LoadDay[] = [];
  let acute = 0;
  let chronic = 0;
  let fitness = 0;
  let fatigue = 0;
  for (let day = firstDay, index = 0; day <= untilDayMs; day += DAY_MS, index++) {
    const load = dailyLoads.get(day) ?? 0;
    const form = fitness - fatigue;
    acute += ewmaLambda(ACUTE_DAYS) * (load - acute);
    chronic += ewmaLambda(CHRONIC_DAYS) * (load - chronic);
    fitness += decayLambda(FITNESS_DAYS) * (load - fitness);
    fatigue += decayLambda(FATIGUE_DAYS) * (load - fatigue);
    const acwr = index + 1 >= CHRONIC_DAYS && chronic > 0 ? acute / chronic : null;
    days.push({
      dayMs: day,
      load,
      acute: round(acute),
      chronic: round(chronic),
      acwr: acwr === null ? null : round(acwr, 2),
      trend: acwr === null ? null : acwr > ACWR_HIGH ? 'rising-fast' : acwr < ACWR_LOW ? 'falling' : 'steady',
      fitness: round(fitness),
      fatigue: round(fatigue),
      form: round(form),
    });
  }
  return days;
}

/** UTC midnight of the day a time falls in. */
export const dayOf = (timeMs: number) => Math.floor(timeMs / DAY_MS) * DAY_MS;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
