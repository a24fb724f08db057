import { describe, expect, it } from 'vitest';
import { dayOf, trainingLoad } from '../../sport-science/training-load.ts';

const DAY = 86_400_000;
const FIRST = Date.UTC(2026, 8, 1);

describe('training load', () => {
  const everyDay100 = new Map(Array.from({ length: 60 }, (_, index) => [FIRST + index * DAY, 100]));

  it('averages with λ = 2/(N+1) from 0 on the first day', () => {
    const [first, second] = trainingLoad(everyDay100, FIRST + DAY);
    expect(first).toMatchObject({ load: 100, acute: 25, chronic: 6.9, fitness: 4.7, fatigue: 25, form: 0, acwr: null, trend: null });
    expect(second!.form).toBe(-20.3); // yesterday's fitness − fatigue: 4.65 − 25
  });

  it('shows the acute:chronic ratio only from the 28th day, as a trend', () => {
    const days = trainingLoad(everyDay100, FIRST + 59 * DAY);
    expect(days[26]!.acwr).toBeNull();
    // Day 28: acute 100·(1 − (6/8)^28) = 99.97, chronic 100·(1 − (27/29)^28) = 86.48
    expect(days[27]).toMatchObject({ acute: 100, chronic: 86.5, acwr: 1.16, trend: 'steady', form: -27.6 });
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
