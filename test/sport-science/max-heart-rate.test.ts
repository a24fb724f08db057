import { describe, expect, it } from 'vitest';
import { estimateMaxHeartRate } from '../../sport-science/max-heart-rate.ts';

describe('estimated maximum heart rate', () => {
  it.each([
    ['tanaka', 20, 194],
    ['tanaka', 45, 177],
    ['tanaka', 70, 159],
    ['fox', 20, 200],
    ['fox', 45, 175],
    ['gellish', 45, 176],
  ] as const)('%s at %i years is %i bpm', (formula, age, expected) => {
    expect(estimateMaxHeartRate(formula, age)).toBe(expected);
  });

  it('is unknown without an age', () => {
    expect(estimateMaxHeartRate('tanaka', null)).toBeNull();
    expect(estimateMaxHeartRate('tanaka', -1)).toBeNull();
  });
});
