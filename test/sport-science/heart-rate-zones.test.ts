import { describe, expect, it } from 'vitest';
import { percentOfMax, zoneForPercent } from '../../sport-science/heart-rate-zones.ts';

describe('heart-rate zones', () => {
  it.each([
    [49, 0],
    [50, 1],
    [59, 1],
    [60, 2],
    [75, 3],
    [80, 4],
    [89, 4],
    [90, 5],
    [104, 5],
  ])('%i %% of max is zone %i', (percent, zone) => {
    expect(zoneForPercent(percent)).toBe(zone);
  });

  it('rounds the percentage of max to a whole number', () => {
    expect(percentOfMax(150, 190)).toBe(79);
    expect(percentOfMax(171, 190)).toBe(90);
  });
});
