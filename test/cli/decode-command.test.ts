import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';

describe('sport-connect decode', () => {
  afterEach(() => vi.restoreAllMocks());

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    return { out, err };
  }

  it('decodes consecutive notifications of one device, so derived cadence appears', async () => {
    const { out } = capture();
    expect(await runCli(['decode', '--profile', 'csc', '02 64 00 00 28', '02 66 00 00 2C'], {})).toBe(0);
    expect(out.map((line) => JSON.parse(line))).toEqual([
      { payload: 1, note: expect.stringContaining('seeds') },
      { payload: 2, kind: 'cadence_speed', values: { cadenceRpm: 120 } },
    ]);
  });

  it('accepts a characteristic UUID and reports a malformed payload with its code, exiting 1', async () => {
    const { out, err } = capture();
    expect(await runCli(['decode', '--profile', '2A37', '0648', '164800'], {})).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ kind: 'heart_rate', values: { heartRateBpm: 72, sensorContact: 'detected' } });
    expect(err[0]).toMatch(/payload 2: SC_ERR_GATT_LENGTH/);
  });

  it('says what is missing instead of guessing', async () => {
    const { err } = capture();
    expect(await runCli(['decode', '0648'], {})).toBe(2);
    expect(err[0]).toMatch(/--profile is required/);
  });
});
