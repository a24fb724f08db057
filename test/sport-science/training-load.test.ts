import { describe, expect, it } from 'vitest';
import { dayOf, trainingLoad } from '../../sport-science/training-load.ts';

const DAY = 86_400_000;
const FIRST = Date.UTC(2026, 8, 1);

describe('training load', () => {
  const everyDay100 = new Map(Array.from({ length: 60 }, (_, index) => [FIRST + index * DAY, 100]));

  it('averages acute and chronic load with λ = 2/(N+1), fitness and fatigue with 1 − e^(−1/N), from 0 on the first day', () => {
    const [first, second] = trainingLoad(everyDay100, FIRST + DAY);
    // acute 2/8 × 100, chronic 2/29 × 100; fitness (1 − e^(−1/42)) × 100 = 2.35, fatigue (1 − e^(−1/7)) × 100 = 13.31
    expect(first).toMatchObject({ load: 100, acute: 25, chronic: 6.9, fitness: 2.4, fatigue: 13.3, form: 0, acwr: null, trend: null });
    expect(second!.form).toBe(-11); // yesterday's fitness − fatigue: 2.35 − 13.31
  });

  it('shows the acute:chronic ratio only from the 28th day, as a trend', () => {
    const days = trainingLoad(everyDay100, FIRST + 59 * DAY);
    expect(days[26]!.acwr).toBeNull();
    // Day 28: acute 100·(1 − (6/8)^28) = 99.97, chronic 100·(1 − (27/29)^28) = 86.48; form after 27 days:
    // 100·(1 − e^(−27/42)) − 100·(1 − e^(−27/7)) = 47.42 − 97.89
    expect(days[27]).toMatchObject({ acute: 100, chronic: 86.5, acwr: 1.16, trend: 'steady', form: -50.5 });
  });

  it('flags load rising fast, and days without training as load 0', () => {
    const loads = new Map<number, number>();
    for (let index = 0; index < 35; index++) loads.set(FIRST + index * DAY, 30);
    for (let index = 35; index < 42; index++) loads.set(FIRST + index * DAY, 200);
    const days = trainingLoad(loads, FIRST + 45 * DAY);
    expect(days[41]!.trend).toBe('rising-fast');
    expect(days[45]!.load).toBe(0);
  });

  it('knows the day of a time (UTC)', () => {
    expect(dayOf(FIRST + 5 * 3_600_000)).toBe(FIRST);
  });
});
