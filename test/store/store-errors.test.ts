import { describe, expect, it } from 'vitest';
import { chooseWriteEndpoint, parseServerVersion } from '../../store/influx/server-version.ts';
import { isRetryableStatus, parseRetryAfterMs } from '../../store/store-errors.ts';

describe('InfluxDB server versions', () => {
  it.each([
    ['1.6.7~rc0', 'v1'],
    ['1.7.10', 'v1'],
    ['1.8.10', 'v2'],
    ['v2.7.4', 'v2'],
    ['3.0.1', 'v2'],
    [null, 'v2'],
  ])('%s writes through %s', (raw, endpoint) => {
    expect(chooseWriteEndpoint(parseServerVersion(raw))).toBe(endpoint);
  });
});

describe('retry decisions', () => {
  it('retries when the server is away, overloaded, asks to wait or is not set up for us, not when it refuses the data', () => {
    expect([408, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    // Repro from the review of issue 11: a revoked token or a missing bucket would have sent every point,
    // one halving after another, to the dead letters.
    expect([401, 403, 404].every(isRetryableStatus)).toBe(true);
    expect([400, 413, 422].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfterMs('30', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
