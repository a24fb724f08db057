/**
 * Benches 3, 4 and 5: the live view and the report in headless Chromium, and `up`'s memory. `up` runs
 * with N simulated athletes spread over clubs (a watched club of 60 on the big screen, the rest in clubs
 * of 20), each club's gateway publishing once a second from a process of its own. Latency is from the
 * gateway's publish to the frame that paints the tile with that value (matched by value: each second
 * carries a distinct heart rate per strap).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { brokerUrlWith } from '../protocol/mqtt/access.ts';
import { toStoredPoint } from '../store/sample-fields.ts';
import type { StoredPoint } from '../store/time-series-store.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { percentile, progress, round, rssMb, sleep, startPublisher, startSportConnect } from './lib.ts';
import { BENCH_COACH, type SeededClub, seedClubs } from './seed-clubs.ts';

const WATCHED_TILES = 60;
const CLUB_SIZE = 20;
const REPORT = { athletes: 30, hours: 2 };

export interface LiveRun {
  athletes: number;
  clubs: number;
  seconds: number;
  /** Probed samples of the watched club, and how many were seen painted. */
  probes: number;
  painted: number;
  publishToPaintMs: { p50: number; p95: number; p99: number; max: number };
  /** Main-thread time per live update on the big screen (parse, tiles, chart). */
  scriptingPerUpdateMs: { tiles: number; updates: number; p50: number; p95: number; max: number };
  upRssMb: { start: number; end: number; peak: number };
}

export interface ReportRun {
  athletes: number;
  hours: number;
  /** Chart time: drawing every athlete's curve (median of three loads of the page, each a fresh document). */
  chartMs: number;
  /** From the first curve to the frame that shows the report, its table's layout included (median). */
  toFirstFrameMs: number;
  loads: { chartMs: number; toFirstFrameMs: number }[];
}

/** Records, for every tile whose content changed, its value at the next frame (performance.timeOrigin-based wall clock). */
const PAINT_RECORDER = `
  window.__paints = [];
  const start = () => {
    const tiles = document.querySelector('#tiles');
    const changed = new Set();
    let frameAsked = false;
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        const node = mutation.target.nodeType === Node.TEXT_NODE ? mutation.target.parentElement : mutation.target;
        const tile = node && node.closest && node.closest('[data-athlete]');
        if (tile) changed.add(tile);
        // A tile shown for the first time is an added node of the tiles' container.
        for (const added of mutation.addedNodes) if (added.dataset && added.dataset.athlete) changed.add(added);
      }
      if (frameAsked) return;
      frameAsked = true;
      requestAnimationFrame(() => {
        const t = performance.timeOrigin + performance.now();
        for (const tile of changed) window.__paints.push([tile.dataset.athlete, tile.querySelector('.bpm').textContent, t]);
        changed.clear();
        frameAsked = false;
      });
    }).observe(tiles, { subtree: true, childList: true, characterData: true });
  };
  document.addEventListener('DOMContentLoaded', start);
`;

async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login input[name=email]', BENCH_COACH.email);
  await page.fill('#login input[name=password]', BENCH_COACH.password);
  await page.click('#login button[type=submit]');
}

/** Two hours of 30 athletes at 1 Hz, yesterday, as a stopped session of the watched club. */
async function seedReport(stores: Parameters<NonNullable<Parameters<typeof seedClubs>[3]>>[0], club: SeededClub): Promise<string> {
  const startMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 17 * 3_600_000;
  const seconds = REPORT.hours * 3600;
  const riders = club.athletes.slice(0, REPORT.athletes);
  for (let from = 0; from < seconds; from += 600) {
    const points: StoredPoint[] = [];
    for (let s = from; s < Math.min(seconds, from + 600); s++)
      riders.forEach((athlete, index) => {
        const bpm = Math.round(120 + 40 * Math.sin((s + index * 97) / 300) + 8 * Math.sin(s / 17));
        const sample = {
          device: club.devices[index]!,
          timeMs: startMs + s * 1000,
          kind: 'heart_rate' as const,
          values: { heartRateBpm: bpm, sensorContact: 'detected' as const },
        };
        points.push(toStoredPoint(club.id, sample, athlete));
      });
    await stores.timeSeries.writePoints(points);
  }
  const session = stores.sessions.startSession(club.id, { title: 'Two-hour ride', group: null, coach: null }, startMs);
  stores.sessions.stopSession(
    club.id,
    session.id,
    riders.map((athlete) => ({ athlete, joinedMs: startMs })),
    startMs + seconds * 1000,
  );
  return session.id;
}

async function reportChartTime(page: Page, apiUrl: string, session: string): Promise<ReportRun> {
  const loads: ReportRun['loads'] = [];
  for (let load = 0; load < 3; load++) {
    // A fresh document each time: a change of the address's hash alone would not reload the page.
    await page.goto('about:blank');
    await page.goto(`${apiUrl}/?club=club-000#report:${session}`);
    const measured = await page.waitForFunction(
      () => {
        const [chart] = performance.getEntriesByName('sc:report-charts');
        const [painted] = performance.getEntriesByName('sc:report-painted');
        return chart && painted && { chartMs: chart.duration, toFirstFrameMs: painted.duration };
      },
      null,
      { timeout: 60_000 },
    );
    const { chartMs, toFirstFrameMs } = (await measured.jsonValue()) as ReportRun['loads'][number];
    loads.push({ chartMs: round(chartMs, 1), toFirstFrameMs: round(toFirstFrameMs, 1) });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
  return {
    athletes: REPORT.athletes,
    hours: REPORT.hours,
    chartMs: median(loads.map((one) => one.chartMs)),
    toFirstFrameMs: median(loads.map((one) => one.toFirstFrameMs)),
    loads,
  };
}

async function liveRun(
  browser: Browser,
  athletes: number,
  seconds: number,
  withReport: boolean,
): Promise<{ live: LiveRun; report?: ReportRun }> {
  const sizes = [WATCHED_TILES, ...Array.from({ length: Math.ceil((athletes - WATCHED_TILES) / CLUB_SIZE) }, () => CLUB_SIZE)];
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-live-'));
  let session = '';
  progress(`live, ${athletes} athletes in ${sizes.length} clubs: seeding`);
  const clubs = await seedClubs(dataDir, sizes, ['club-000'], async (stores, seeded) => {
    if (withReport) session = await seedReport(stores, seeded[0]!);
  });
  const [port, mqttPort] = [await freePort(), await freePort()];
  const up = await startSportConnect(
    'up',
    { DATA_DIR: dataDir, PORT: String(port), MQTT_PORT: String(mqttPort), SIM_ATHLETES: '0', MQTT_MAX_CONNECTIONS_PER_ADDRESS: '1000' },
    'Sport Connect is up',
  );
  const apiUrl = `http://127.0.0.1:${port}`;
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(PAINT_RECORDER);
    await logIn(page, `${apiUrl}/?club=club-000#screen`);
    // Logged in and the live stream open (tiles appear as their straps are heard).
    await page.waitForFunction(() => document.querySelector('#connection')?.classList.contains('open'));
    const watched = clubs[0]!;
    const publisher = await startPublisher({
      mode: 'paced',
      qos: 1,
      seconds,
      probes: watched.devices,
      gateways: clubs.map((club) => ({
        url: brokerUrlWith(`mqtt://127.0.0.1:${mqttPort}`, club.login),
        club: club.id,
        gateway: club.gateway,
        devices: club.devices,
      })),
    });
    const rss = { start: rssMb(up.pid), end: 0, peak: 0 };
    progress(`live, ${athletes} athletes: publishing for ${seconds} s`);
    const publishing = publisher.go();
    let done = false;
    void publishing.finally(() => {
      done = true;
    });
    for (let tick = 0; !done; tick++) {
      rss.peak = Math.max(rss.peak, rssMb(up.pid));
      if (tick > 0 && tick % 60 === 0) progress(`live, ${athletes} athletes: ${tick} s, up RSS ${rssMb(up.pid)} MB`);
      await sleep(1000);
    }
    const report = await publishing;
    await sleep(1500);
    rss.end = rssMb(up.pid);
    const paints = (await page.evaluate(() => (window as unknown as { __paints: [string, string, number][] }).__paints)) as [
      string,
      string,
      number,
    ][];
    const updates = await page.evaluate(() => performance.getEntriesByName('sc:live-update').map((entry) => entry.duration));
    const athleteOf = new Map(watched.devices.map((device, index) => [device, watched.athletes[index]!]));
    const latencies: number[] = [];
    for (const probe of report.probes ?? []) {
      const athlete = athleteOf.get(probe.device);
      // Clocks are the same machine's; a millisecond of rounding either way is allowed.
      const seen = paints.find(
        ([id, bpm, t]) => id === athlete && bpm === String(probe.bpm) && t >= probe.publishedMs - 1 && t < probe.publishedMs + 5000,
      );
      if (seen) latencies.push(Math.max(0, seen[2] - probe.publishedMs));
    }
    const live: LiveRun = {
      athletes: sizes.reduce((sum, size) => sum + size, 0),
      clubs: sizes.length,
      seconds,
      probes: report.probes?.length ?? 0,
      painted: latencies.length,
      publishToPaintMs: {
        p50: round(percentile(latencies, 50), 1),
        p95: round(percentile(latencies, 95), 1),
        p99: round(percentile(latencies, 99), 1),
        max: round(Math.max(...latencies), 1),
      },
      scriptingPerUpdateMs: {
        tiles: WATCHED_TILES,
        updates: updates.length,
        p50: round(percentile(updates, 50), 2),
        p95: round(percentile(updates, 95), 2),
        max: round(Math.max(...updates), 2),
      },
      upRssMb: rss,
    };
    progress(
      `live, ${athletes} athletes: publish → paint p50 ${live.publishToPaintMs.p50} ms, p99 ${live.publishToPaintMs.p99} ms (${live.painted}/${live.probes} seen); ${live.scriptingPerUpdateMs.p95} ms scripting per update (p95); up RSS ${rss.peak} MB peak`,
    );
    const reportRun = withReport ? await reportChartTime(page, apiUrl, session) : undefined;
    if (reportRun)
      progress(
        `report of ${REPORT.hours} h × ${REPORT.athletes}: ${reportRun.chartMs} ms of chart time, ${reportRun.toFirstFrameMs} ms to its first frame`,
      );
    return { live, report: reportRun };
  } finally {
    await context.close();
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchLive(browser: Browser, quick: boolean): Promise<{ live: LiveRun[]; report?: ReportRun }> {
  const plan = quick
    ? [
        { athletes: 100, seconds: 8 },
        { athletes: 1000, seconds: 8 },
      ]
    : [
        { athletes: 100, seconds: 30 },
        // The footprint figure: `up` at 1,000 athletes over ten minutes.
        { athletes: 1000, seconds: 600 },
        { athletes: 5000, seconds: 30 },
      ];
  const live: LiveRun[] = [];
  let report: ReportRun | undefined;
  for (const [index, step] of plan.entries()) {
    const result = await liveRun(browser, step.athletes, step.seconds, index === 0);
    live.push(result.live);
    report ??= result.report;
  }
  return { live, report };
}
