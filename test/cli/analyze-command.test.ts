import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Encoder, type Mesg, Profile } from '@garmin/fitsdk';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClass } from '../../simulators/simulated-class.ts';

const CLI = fileURLToPath(new URL('../../bin/sport-connect.js', import.meta.url));
const T0 = Date.UTC(2026, 10, 3, 18, 0, 0);
const MALE_30 = ['--sex', 'male', '--age', '30', '--weight', '70', '--rest-hr', '60', '--max-hr', '190'];

/** Ten minutes at 150 bpm, one sample a second; the first 40 carry RR intervals alternating 800 and 820 ms. */
const tenMinutes = Array.from({ length: 600 }, (_, second) => ({
  timeMs: T0 + second * 1000,
  hr: 150,
  rr: second < 40 ? [second % 2 ? 820 : 800] : [],
}));

/** The same workout as a watch would save it: FIT records, and HRV messages (seconds) after their record. */
function fitOf(points: { timeMs: number; hr: number; rr: number[] }[]): Uint8Array {
  const encoder = new Encoder();
  const mesg = (fields: object) => fields as Mesg;
  encoder.onMesg(
    Profile.MesgNum.FILE_ID!,
    mesg({
      type: 'activity',
      manufacturer: 'development',
      product: 0,
      timeCreated: new Date(T0),
      serialNumber: 1,
    }),
  );
  for (const point of points) {
    encoder.onMesg(Profile.MesgNum.RECORD!, mesg({ timestamp: new Date(point.timeMs), heartRate: point.hr }));
    if (point.rr.length) encoder.onMesg(Profile.MesgNum.HRV!, mesg({ time: point.rr.map((ms) => ms / 1000) }));
  }
  return encoder.close();
}

describe('sport-connect analyze', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-analyze-'));
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const analyze = (...args: string[]) => spawnSync(process.execPath, [CLI, 'analyze', ...args], { encoding: 'utf8' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const expected = {
    durationS: 600,
    avgHr: 150,
    maxHr: 150,
    timeInZoneS: [0, 0, 600, 0, 0],
    kcal: 142,
    trimpBanister: 16.7,
    trimpEdwards: 30,
    points: 30,
    rmssdMs: 20,
    sdnnMs: 10.1,
    hrr60Bpm: null,
  };

  it('prints the session numbers of a CSV (ISO times, RR as space-separated ms)', () => {
    const csv = [
      'time,hr,rr',
      ...tenMinutes.map((point) => `${new Date(point.timeMs).toISOString()},${point.hr},${point.rr.join(' ')}`),
    ].join('\n');
    const result = analyze(file('ten-minutes.csv', csv), ...MALE_30);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('prints the same numbers for the same workout saved as a FIT file by a watch', () => {
    const result = analyze(file('ten-minutes.fit', fitOf(tenMinutes)), ...MALE_30);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('reads epoch milliseconds and Karvonen zones, and says on stderr what it could not compute', () => {
    const csv = ['time,hr', ...tenMinutes.map((point) => `${point.timeMs},${point.hr}`)].join('\n');
    const result = analyze(file('epoch.csv', csv), '--max-hr', '190', '--rest-hr', '60', '--zones', 'reserve');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ timeInZoneS: [0, 600, 0, 0, 0], points: 20, kcal: null, rmssdMs: null });
    expect(result.stderr).toContain('note: calories need sex, weight and age');
  });

  it('gives plausible numbers for a simulated 45-minute HIIT class with known physiology', () => {
    const simulated = new SimulatedClass({
      athletes: 1,
      seed: 42,
      startMs: T0,
      imperfections: { contactLossPerHour: 0, dropoutPerHour: 0 },
    });
    const member = simulated.members[0]!;
    const rows: string[] = ['time,hr,rr'];
    for (let second = 1; second <= 45 * 60; second++)
      for (const sample of simulated.tick(T0 + second * 1000))
        if (sample.kind === 'heart_rate')
          rows.push(`${sample.timeMs},${sample.values.heartRateBpm},${(sample.values.rrIntervalsMs ?? []).join(' ')}`);
    const result = analyze(
      file('hiit.csv', rows.join('\n')),
      ...['--sex', 'female', '--age', '35', '--weight', '62', '--rest-hr', String(member.restHrBpm), '--max-hr', String(member.maxHrBpm)],
    );
    expect(result.status).toBe(0);
    const metrics = JSON.parse(result.stdout);
    expect(metrics.durationS).toBe(45 * 60);
    expect(metrics.avgHr).toBeGreaterThan(member.restHrBpm + 30);
    expect(metrics.maxHr).toBeLessThanOrEqual(member.maxHrBpm);
    // Intervals reach the top zones, the warm-up and cool-down the low ones.
    expect(metrics.timeInZoneS[3] + metrics.timeInZoneS[4]).toBeGreaterThan(5 * 60);
    expect(metrics.timeInZoneS.reduce((sum: number, seconds: number) => sum + seconds, 0)).toBeLessThanOrEqual(45 * 60);
    // A hard 45 minutes: a Banister TRIMP of tens, Edwards above it, HRV low during effort, recovery after the last interval.
    expect(metrics.trimpBanister).toBeGreaterThan(30);
    expect(metrics.trimpBanister).toBeLessThan(150);
    expect(metrics.trimpEdwards).toBeGreaterThan(metrics.trimpBanister);
    expect(metrics.rmssdMs).toBeGreaterThan(2);
    expect(metrics.rmssdMs).toBeLessThan(80);
    expect(metrics.hrr60Bpm).toBeGreaterThan(5);
    expect(metrics.kcal).toBeGreaterThan(200);
  });

  it('refuses a file it cannot read, saying where', () => {
    const bad = analyze(file('bad.csv', 'time,hr\n2026-11-03T18:00:00Z,150\n2026-11-03T18:00:01Z,abc\n'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.csv: line 3: hr "abc" is not a heart rate/);
    const noHeader = analyze(file('noheader.csv', '2026-11-03T18:00:00Z,150\n'));
    expect(noHeader.stderr).toMatch(/line 1: the header must name the columns time and hr/);
    const damaged = fitOf(tenMinutes.slice(0, 10));
    damaged[damaged.length - 1]! ^= 0xff;
    expect(analyze(file('damaged.fit', damaged)).stderr).toMatch(/damaged/);
    expect(analyze(join(dir, 'absent.fit')).stderr).toMatch(/cannot read .*ENOENT/);
    expect(analyze(file('ok.csv', 'time,hr\n1700000000000,150\n'), '--sex', 'robot').status).toBe(2);
  });
});
