// Retry timing shared by every process that retries (gateway reconnects, ingest store writes).

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** ±fraction of randomness, so twenty straps (or workers) that failed together do not retry together. */
  jitter: number;
}

/** Delay before attempt number `failures` (1 = after the first failure): doubling, capped, jittered. */
export function backoffDelayMs(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 - options.jitter + 2 * options.jitter * random()));
}
