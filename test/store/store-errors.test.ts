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
  it('retries when the server is away, overloaded or asks to wait, not when it refuses the data', () => {
    expect([408, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 413].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfterMs('30', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
