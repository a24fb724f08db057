export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** ±fraction of randomness, so twenty straps that dropped together do not retry together. */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 1000, maxMs: 30_000, jitter: 0.3 };

/** Delay before attempt number `failures` (1 = after the first failure): doubling, capped, jittered. */
export function backoffDelayMs(failures: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 - options.jitter + 2 * options.jitter * random()));
}
