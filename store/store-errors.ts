/**
 * A store write that failed. The retry decision travels with the error (as in influxdb-client's
 * RetriableDecision): the batch writer reads retryAfterMs, it never parses messages.
 */
export class StoreWriteError extends Error {
  readonly code = 'SC_ERR_STORE_WRITE';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The server asked for this pause (Retry-After), or undefined to let the caller's back-off decide. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StoreQueryError extends Error {
  readonly code = 'SC_ERR_STORE_QUERY';
}

/**
 * HTTP statuses worth retrying: the server is away, overloaded or asks us to wait, or it is not set up
 * for us yet (401/403: credentials being rotated, 404: a database or bucket being created). Only a
 * refusal of the data itself (400, 413, 422) is for good: those points go to the dead letters.
 */
export function isRetryableStatus(status: number): boolean {
  return !(status === 400 || status === 413 || status === 422) && (status >= 401 || status === 408);
}

/** Retry-After in seconds or as an HTTP date → milliseconds from now. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
