/**
 * Heart-rate zones by percentage of the member's maximum, the five-zone model most clubs and
 * wearables show: Z1 50–60 %, Z2 60–70 %, Z3 70–80 %, Z4 80–90 %, Z5 ≥ 90 %; below 50 % is 0 (rest).
 */
export const ZONE_LOWER_BOUNDS_PERCENT = [50, 60, 70, 80, 90] as const;

export function percentOfMax(heartRateBpm: number, maxHrBpm: number): number {
  return Math.round((heartRateBpm / maxHrBpm) * 100);
}

export function zoneForPercent(percent: number): number {
  let zone = 0;
  for (const bound of ZONE_LOWER_BOUNDS_PERCENT) if (percent >= bound) zone++;
  return zone;
}
