import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeCommand } from '../../cli/commands/decode-command.ts';
import { runCli } from '../../cli/main.ts';

describe('sport-connect decode', () => {
  afterEach(() => vi.restoreAllMocks());

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
    return { out, err, lines: () => out.map((line) => JSON.parse(line)) };
  }

  it('decodes consecutive notifications of one device, so derived cadence appears', async () => {
    const { lines } = capture();
    expect(await runCli(['decode', '--profile', 'csc', '02 64 00 00 28', '02 66 00 00 2C'], {})).toBe(0);
    expect(lines()).toEqual([
      { payload: 1, fields: { cumulativeCrankRevs: 100, lastCrankEventTimeS: 10 }, samples: [], note: expect.stringContaining('seeds') },
      {
        payload: 2,
        fields: { cumulativeCrankRevs: 102, lastCrankEventTimeS: 11 },
        samples: [{ kind: 'cadence_speed', values: { cadenceRpm: 120 } }],
      },
    ]);
  });

  it('shows every field a cycling power meter sends, not only those a sample keeps', async () => {
    const { lines } = capture();
    // Flags 0x01F0: wheel and crank data, extreme forces, extreme torques, extreme angles.
    expect(
      await runCli(
        ['decode', '--profile', 'cycling_power', 'F0 01 FA 00 10 27 00 00 00 10 2C 01 00 04 F4 01 9C FF 40 06 E0 FF B4 A0 05'],
        {},
      ),
    ).toBe(0);
    expect(lines()[0].fields).toEqual({
      powerW: 250,
      cumulativeWheelRevs: 10000,
      lastWheelEventTimeS: 2,
      cumulativeCrankRevs: 300,
      lastCrankEventTimeS: 1,
      maxForceN: 500,
      minForceN: -100,
      maxTorqueNm: 50,
      minTorqueNm: -1,
      maxAngleDeg: 180,
      minAngleDeg: 90,
    });
    expect(lines()[0].samples[0].values).toEqual({
      powerW: 250,
      maxForceN: 500,
      minForceN: -100,
      maxTorqueNm: 50,
      minTorqueNm: -1,
      maxAngleDeg: 180,
      minAngleDeg: 90,
    });
  });

  it('says when a decoded sample is outside the contract ingest enforces, and exits 1', async () => {
    const { lines, err } = capture();
    const fortyRr = `10 48 ${'00 04 '.repeat(40)}`;
    expect(await runCli(['decode', '--profile', 'heart_rate', '01 ff ff', fortyRr], {})).toBe(1);
    const [wide, manyRr] = lines();
    expect(wide.fields.heartRateBpm).toBe(65535);
    expect(wide.outsideContract).toEqual([expect.stringMatching(/^values.heartRateBpm: .*300/)]);
    expect(manyRr.outsideContract).toEqual([expect.stringMatching(/^values.rrIntervalsMs: .*32/)]);
    expect(err).toEqual([
      expect.stringMatching(/^payload 1: outside the v1 contract/),
      expect.stringMatching(/^payload 2: outside the v1 contract/),
    ]);
  });

  it('accepts a characteristic UUID and reports a malformed payload with its code, exiting 1', async () => {
    const { lines, err } = capture();
    expect(await runCli(['decode', '--profile', '2A37', '0648', '164800'], {})).toBe(1);
    expect(lines()[0]).toMatchObject({ samples: [{ kind: 'heart_rate', values: { heartRateBpm: 72, sensorContact: 'detected' } }] });
    expect(err[0]).toMatch(/payload 2: SC_ERR_GATT_LENGTH/);
  });

  it('says what is missing instead of guessing', async () => {
    const { err } = capture();
    expect(await runCli(['decode', '0648'], {})).toBe(2);
    expect(err[0]).toMatch(/--profile is required/);
  });

  it.each(decodeCommand.examples!.map((argv) => [argv.join(' '), argv] as const))('runs its --help example %s', async (_name, argv) => {
    const { err } = capture();
    expect(await runCli(['decode', ...argv], {})).toBe(0);
    expect(err).toEqual([]);
  });

  it('shows its examples in --help', async () => {
    const { out } = capture();
    expect(await runCli(['decode', '--help'], {})).toBe(0);
    expect(out.join('\n')).toContain('sport-connect decode --profile heart_rate "16 48 00 04"');
  });
});
