/**
 * Heart-rate zones, the five-zone model most clubs and wearables show: Z1 50–60 %, Z2 60–70 %, Z3 70–80 %,
 * Z4 80–90 %, Z5 ≥ 90 %; below 50 % is 0 (rest). The percentage is of the maximum heart rate, or of the
 * heart-rate reserve (Karvonen: (HR − rest) / (max − rest)), as the club chooses.
 */
export const ZONE_LOWER_BOUNDS_PERCENT = [50, 60, 70, 80, 90] as const;

/** How a club counts zones: % of the maximum heart rate, or % of the heart-rate reserve (Karvonen). */
export type ZoneModel = 'percent-max' | 'reserve';

export function percentOfMax(heartRateBpm: number, maxHrBpm: number): number {
  return Math.round((heartRateBpm / maxHrBpm) * 100);
}

/** Karvonen's % of heart-rate reserve (may be negative below rest, above 100 past the maximum). */
export function percentOfReserve(heartRateBpm: number, restHrBpm: number, maxHrBpm: number): number {
  return Math.round(((heartRateBpm - restHrBpm) / (maxHrBpm - restHrBpm)) * 100);
}

export function zoneForPercent(percent: number): number {
  let zone = 0;
  for (const bound of ZONE_LOWER_BOUNDS_PERCENT) if (percent >= bound) zone++;
  return zone;
}

/** The percentage a zone is read from under a model; null when the athlete's numbers for it are missing. */
export function zonePercent(
  heartRateBpm: number,
  athlete: { maxHrBpm: number | null; restHrBpm: number | null },
  model: ZoneModel,
): number | null {
  if (athlete.maxHrBpm === null) return null;
  if (model === 'percent-max') return percentOfMax(heartRateBpm, athlete.maxHrBpm);
  if (athlete.restHrBpm === null || athlete.restHrBpm >= athlete.maxHrBpm) return null;
  return percentOfReserve(heartRateBpm, athlete.restHrBpm, athlete.maxHrBpm);
}
