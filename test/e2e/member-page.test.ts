import { mkdirSync, readFileSync } from 'node:fs';
import { Decoder, Encoder, type Mesg, Profile, Stream } from '@garmin/fitsdk';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionMetrics, Wellness } from '../../protocol/reports.ts';
import { hashPassword } from '../../store/secrets.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestStack } from '../helpers/up-stack.ts';

const MAYA = { email: 'maya@riverside.example', password: 'mayas own password' };
const DAY = 86_400_000;

const metrics = (points: number): SessionMetrics => ({
  durationS: 2700,
  avgHr: 138,
  maxHr: 172,
  timeInZoneS: [300, 600, 900, 600, 300],
  kcal: 420,
  trimpBanister: 60,
  trimpEdwards: 120,
  points,
  rmssdMs: null,
  sdnnMs: null,
  hrr60Bpm: null,
  suggestedMaxHrBpm: null,
  notes: [],
});

// "Done means": a member sees their week, on their phone.
describe.skipIf(!hasChromium())('a member’s week on a phone, in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack({ SIM_ATHLETES: '0' });
    const { registry, accounts, trainingLog, challenges } = stack.stores;
    registry.upsertClub('riverside', 'Riverside');
    registry.createAthlete('riverside', {
      id: 'maya',
      name: 'Maya Svensson',
      sex: 'female',
      birthYear: new Date().getUTCFullYear() - 34,
      weightKg: 61,
      restHrBpm: 52,
      maxHrBpm: 186,
      weeklyPointsGoal: 100,
    });
    const user = accounts.createUser({ email: MAYA.email, name: 'Maya', passwordHash: await hashPassword(MAYA.password) });
    accounts.setMembership(user.id, { club: 'riverside', role: 'athlete', athlete: 'maya' });
    // Five weeks of classes, three a week.
    for (let day = 35; day >= 1; day--)
      if (day % 2)
        trainingLog.record('riverside', 'maya', {
          source: 'session',
          sourceId: `s_day${day}`,
          title: 'HIIT 45',
          startMs: Date.now() - day * DAY,
          metrics: metrics(45),
        });
    challenges.create('riverside', { id: 'winter', title: 'Winter points', fromMs: Date.now() - 40 * DAY, toMs: Date.now() + 30 * DAY });
    // This morning's class, with the samples of her own strap.
    registry.createDevice('riverside', { id: 'hrm-maya', profile: 'heart_rate', owner: 'maya' }, 0);
    const classStart = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
    await stack.stores.timeSeries.writePoints(
      Array.from({ length: 600 }, (_, second) => ({
        club: 'riverside',
        device: 'hrm-maya',
        athlete: 'maya',
        kind: 'heart_rate' as const,
        timeMs: classStart + second * 1000,
        fields: { heartRateBpm: 140 + (second % 20), rrIntervalsMs: '430,425' },
      })),
    );
    const morning = stack.stores.sessions.startSession('riverside', { title: 'Morning class', group: null, coach: null }, classStart);
    stack.stores.sessions.stopSession('riverside', morning.id, [{ athlete: 'maya', joinedMs: classStart }], classStart + 600_000);
    trainingLog.record('riverside', 'maya', {
      source: 'session',
      sourceId: morning.id,
      title: 'Morning class',
      startMs: classStart,
      metrics: metrics(40),
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    mkdirSync('test-results', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  const api = <T>(path: string) => page.evaluate(async (url) => (await fetch(url)).json(), `/api/v1/clubs/riverside${path}`) as Promise<T>;

  it('shows the member their week, goal and load, the numbers the API gives, laid out for a phone', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', MAYA.email);
    await page.fill('#login input[name=password]', MAYA.password);
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.locator('#pages button:not([hidden])').allInnerTexts()).toEqual(['Live', 'My week', 'History']);
    await page.click('#pages button[data-page="wellness"]');
    const wellness = await api<Wellness>('/athletes/maya/wellness');
    const week = wellness.weeks.at(-1)!;
    await expect.poll(() => page.locator('[data-testid="week-card"] .points').innerText()).toBe(String(week.points));
    expect(await page.locator('[data-testid="week-card"] .goal').innerText()).toContain(`streak ${wellness.goal.streakWeeks} week`);
    const today = wellness.load.at(-1)!;
    expect(await page.locator('[data-testid="load-card"] .form').innerText()).toBe(
      `Fitness ${today.fitness} · fatigue ${today.fatigue} · form ${today.form > 0 ? '+' : ''}${today.form}`,
    );
    expect(await page.locator('[data-testid="load-card"] .trend').innerText()).toMatch(
      /^Load (steady|rising fast|falling) \(acute:chronic [\d.]+\)/,
    );
    expect(
      await page
        .locator('[data-testid="weeks"] .week')
        .evaluateAll((weeks) => weeks.map((one) => Number((one as HTMLElement).dataset.points))),
    ).toEqual(wellness.weeks.map((one) => one.points));
    expect(await page.locator('[data-testid="recent"] tbody tr').count()).toBe(10);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.screenshot({ path: 'test-results/member-week.png', fullPage: true });
  });

  it('adds a workout from the member’s watch to their week', async () => {
    const start = Date.now() - 3 * 3_600_000;
    const encoder = new Encoder();
    const mesg = (fields: object) => fields as Mesg;
    encoder.onMesg(
      Profile.MesgNum.FILE_ID!,
      mesg({ type: 'activity', manufacturer: 'development', product: 0, timeCreated: new Date(start), serialNumber: 3 }),
    );
    for (let second = 0; second < 1800; second++)
      encoder.onMesg(Profile.MesgNum.RECORD!, mesg({ timestamp: new Date(start + second * 1000), heartRate: 150 }));
    const before = (await api<Wellness>('/athletes/maya/wellness')).goal.thisWeekPoints;
    await page.setInputFiles('#workout-upload input[type=file]', {
      name: 'run.fit',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(encoder.close()),
    });
    await page.fill('#workout-upload input[name=title]', 'Lunch run');
    await page.click('#workout-upload button[type=submit]');
    await expect.poll(() => page.locator('[data-testid="upload-result"]').innerText()).toMatch(/^Lunch run: 30 min, \d+ points added$/);
    await expect.poll(() => page.locator('[data-testid="recent"] tbody tr', { hasText: 'Lunch run' }).count()).toBe(1);
    const after = (await api<Wellness>('/athletes/maya/wellness')).goal.thisWeekPoints;
    expect(after).toBeGreaterThan(before);
    await expect
      .poll(() => page.locator('[data-testid="week-card"] .points').innerText())
      .toBe(String((await api<Wellness>('/athletes/maya/wellness')).weeks.at(-1)!.points));
  });

  it('downloads a session as a FIT activity and everything about her as one archive, with its progress', async () => {
    const row = page.locator('[data-testid="recent"] tbody tr', { hasText: 'Morning class' });
    const [fitDownload] = await Promise.all([page.waitForEvent('download'), row.locator('a[data-export="fit"]').click()]);
    expect(fitDownload.suggestedFilename()).toMatch(/^\d{4}-\d\d-\d\d-morning-class-maya\.fit$/);
    const fit = readFileSync((await fitDownload.path())!);
    const decoded = new Decoder(Stream.fromBuffer(fit)).read();
    expect(decoded.messages.recordMesgs).toHaveLength(600);
    expect(decoded.messages.recordMesgs![0]!.heartRate).toBe(140);

    await page.click('#my-data button.archive');
    await expect.poll(() => page.locator('[data-testid="job-status"]').innerText(), { timeout: 20_000 }).toMatch(/Your archive is ready/);
    const progress = page.locator('[data-testid="job-progress"]');
    expect(await progress.evaluate((bar) => (bar as HTMLProgressElement).value === (bar as HTMLProgressElement).max)).toBe(true);
    const [archiveDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="archive-link"]')]);
    const files = unzipSync(new Uint8Array(readFileSync((await archiveDownload.path())!)));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['account.json', 'riverside/profile.json', 'riverside/sessions.json']));
    expect(Object.keys(files).some((name) => /^riverside\/sessions\/.*morning-class.*\.fit$/.test(name))).toBe(true);
  });

  it('lets the member opt into a challenge, and choose how the club’s screen shows them', async () => {
    const challenge = page.locator('[data-challenge="winter"]');
    await challenge.locator('button', { hasText: 'Join' }).click();
    await expect
      .poll(() => page.locator('[data-challenge="winter"] .leaderboard li').allInnerTexts())
      .toEqual([expect.stringMatching(/^1\. Maya Svensson · \d+ points$/)]);
    await page.selectOption('#privacy select[name=screenPrivacy]', 'initials');
    await page.check('#privacy input[name=screenHideKcal]');
    await page.click('#privacy button[type=submit]');
    await expect
      .poll(() => stack.stores.registry.getAthlete('riverside', 'maya'))
      .toMatchObject({ screenPrivacy: 'initials', screenHideKcal: true });
  });

  it('erases her data when she asks, confirming with her id, and her login with it', async () => {
    page.once('dialog', (dialog) => void dialog.accept('maya'));
    await page.click('#my-data button.erase');
    await expect.poll(() => page.locator('[data-testid="job-status"]').innerText(), { timeout: 30_000 }).toMatch(/erased/);
    expect(stack.stores.registry.hasMember('riverside', 'maya')).toBe(false);
    expect(await stack.stores.timeSeries.countPoints({ club: 'riverside', device: 'hrm-maya' })).toBe(0);
    expect(stack.stores.accounts.findByEmail(MAYA.email)).toBeNull();
  });
});
