import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrlWith } from '../../protocol/mqtt/access.ts';
import type { SessionReport } from '../../protocol/reports.ts';
import { createRoster } from '../../simulators/roster.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { hashPassword } from '../../store/secrets.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { startTestStack } from '../helpers/up-stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

const COACH = { email: 'coach@riverside.example', password: 'the coach’s own password' };
const ATHLETES = 20;
const CLASS_MS = 45 * 60_000;

// "Done means": a coach reads a full report of a 45-minute class of 20 right after stopping it. The class
// runs through the simulator at accelerated speed (45 minutes in seconds, stamped in the past), the coach
// stops the session in the dashboard and opens its report; every number shown must be the API's.
describe.skipIf(!hasChromium())('a 45-minute class of 20, reported in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack({ SIM_ATHLETES: '0' });
    const { registry, accounts, sessions, mqttAccounts } = stack.stores;
    registry.upsertClub('riverside', 'Riverside');
    const thisYear = new Date().getUTCFullYear();
    for (const [index, member] of createRoster(ATHLETES, 11).entries()) {
      registry.createAthlete('riverside', {
        id: member.id,
        name: member.name,
        sex: index % 2 ? 'female' : 'male',
        birthYear: thisYear - 25 - index,
        weightKg: 60 + index,
        restHrBpm: member.restHrBpm,
        maxHrBpm: member.maxHrBpm,
      });
      registry.createDevice('riverside', { id: member.deviceId, profile: 'heart_rate', owner: member.id }, 0);
    }
    const coach = accounts.createUser({ email: COACH.email, name: 'Cora Coach', passwordHash: await hashPassword(COACH.password) });
    accounts.setMembership(coach.id, { club: 'riverside', role: 'coach', athlete: null });
    // The class began 46 minutes ago; its 45 minutes are simulated at once, ending now.
    sessions.startSession('riverside', { title: 'Thursday HIIT', group: null, coach: coach.id }, Date.now() - CLASS_MS - 60_000);
    const result = await runSimulation({
      brokerUrl: brokerUrlWith(stack.mqttUrl, mqttAccounts.issueGateway('riverside', 'hall')),
      club: 'riverside',
      gateway: 'hall',
      athletes: ATHLETES,
      seed: 11,
      durationMs: CLASS_MS,
      pace: 'fast',
      logger: testLogger,
    });
    expect(result.published).toBeGreaterThan(ATHLETES * 2500);
    // Everything published is stored before the coach stops the session.
    await waitFor(async () => (await stack.stores.timeSeries.countPoints({ club: 'riverside' })) === result.published, {
      timeoutMs: 60_000,
      what: 'every sample stored',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    mkdirSync('test-results', { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('lets the coach stop the class and read its report, every number the API’s', async () => {
    await page.goto(`${stack.apiUrl}/#sessions`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', COACH.email);
    await page.fill('#login input[name=password]', COACH.password);
    await page.click('#login button[type=submit]');
    await page.click('#pages button[data-page="sessions"]');
    await page.waitForSelector('[data-testid="running-session"]:not([hidden])');
    await expect.poll(() => page.locator('[data-testid="participants"] li').count(), { timeout: 20_000 }).toBe(ATHLETES);
    await page.click('[data-testid="running-session"] button.stop');
    const past = page.locator('[data-testid="past-sessions"] tbody tr', { hasText: 'Thursday HIIT' });
    await past.locator('button', { hasText: 'Report' }).click();
    const rows = page.locator('[data-testid="report-table"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(ATHLETES);
    await expect.poll(() => page.locator('[data-testid="report-curves"] canvas').count()).toBe(ATHLETES);

    const sessionId = stack.stores.sessions.listSessions('riverside')[0]!.id;
    const api = (await page.evaluate(async (id) => {
      const response = await fetch(`/api/v1/clubs/riverside/sessions/${id}/report?width=900`);
      return response.json();
    }, sessionId)) as SessionReport;
    expect(api.athletes).toHaveLength(ATHLETES);
    for (const athlete of api.athletes) {
      const cells = await rows
        .filter({ has: page.locator(`xpath=self::tr[@data-athlete="${athlete.athlete}"]`) })
        .locator('td')
        .allInnerTexts();
      const m = athlete.metrics;
      const shown = (value: number | null) => (value === null ? '—' : String(value));
      expect(cells.slice(0, 4)).toEqual([athlete.name, `${Math.round(m.durationS / 60)} min`, shown(m.avgHr), shown(m.maxHr)]);
      expect(cells.slice(4, 9)).toEqual(m.timeInZoneS.map((seconds) => String(Math.round(seconds / 60))));
      expect(cells.slice(9, 16)).toEqual([m.kcal, m.trimpBanister, m.trimpEdwards, m.points, m.rmssdMs, m.sdnnMs, m.hrr60Bpm].map(shown));
      // A hard class: every athlete worked, in numbers a coach recognises.
      expect(m.durationS).toBeGreaterThan(40 * 60);
      expect(m.points).toBeGreaterThan(40);
      expect(m.kcal).toBeGreaterThan(150);
    }
    expect(await page.locator('[data-testid="report-group"]').innerText()).toContain(`${ATHLETES} athletes`);
    await page.screenshot({ path: 'test-results/session-report.png', fullPage: false });
  });
});
