import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../store/secrets.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestStack } from '../helpers/up-stack.ts';

describe.skipIf(!hasChromium())('live dashboard in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let browser: Browser;

  beforeAll(async () => {
    // The demo as `npm start` runs it: 20 simulated members in real time.
    stack = await startTestStack({ SIM_ATHLETES: '20' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('shows one tile per member whose heart rates change, and a chart, on a big screen and on a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${stack.apiUrl}/?club=demo`);
    // Nothing without a login: the page asks for one, with the demo coach's login that `up` printed.
    await logIn(page, 'coach');
    await expect.poll(() => page.locator('[data-testid="who"]').innerText()).toBe('Demo Coach');
    expect(await page.locator('[data-testid="admin"]').isVisible()).toBe(false);
    // Once logged in, the forms are gone.
    expect(await page.locator('#login').isVisible()).toBe(false);
    expect(await page.locator('#invitation').isVisible()).toBe(false);
    const tiles = page.locator('[data-testid="tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(20);
    await expect
      .poll(() => page.locator('[data-testid="tile"][data-state="live"]').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(15);

    const readBpm = () => tiles.locator('.bpm').allInnerTexts();
    const before = await readBpm();
    const numbers = before.filter((text) => /^\d+$/.test(text)).map(Number);
    expect(numbers.length).toBeGreaterThanOrEqual(15);
    for (const bpm of numbers) expect(bpm).toBeGreaterThan(35);
    await expect
      .poll(async () => (await readBpm()).filter((text, i) => text !== before[i]).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(5);

    // % of max and zone come from the API: a live tile shows both.
    const liveTile = page.locator('[data-testid="tile"][data-state="live"]').first();
    await expect.poll(() => liveTile.locator('.pct').innerText()).toMatch(/^\d+% max$/);
    await expect.poll(() => liveTile.locator('.zone').innerText()).toMatch(/^Z[0-5]$/);
    // The chart draws into a canvas and grows every second.
    expect(await page.locator('#chart canvas').count()).toBe(1);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard-big-screen.png' });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    // On a phone each footer item has a line of its own: "% max" above the zone, never run together.
    const footer = await liveTile.evaluate((tile) => {
      const box = (selector: string) => tile.querySelector(selector)!.getBoundingClientRect();
      return { pct: box('.pct'), zone: box('.zone') };
    });
    expect(footer.zone.top).toBeGreaterThanOrEqual(footer.pct.bottom - 1);
    await page.screenshot({ path: 'test-results/dashboard-phone.png', fullPage: true });
  });

  it('makes the big screen a club puts on its TV: the session’s clock and phase, names as athletes chose, calories and points', async () => {
    // Two members chose privacy on the shared screen: initials only, and a coloured tile without a name.
    stack.stores.registry.updateAthlete('demo', 'member-003', { screenPrivacy: 'initials' });
    stack.stores.registry.updateAthlete('demo', 'member-004', { screenPrivacy: 'colour', screenHideKcal: true });
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${stack.apiUrl}/?club=demo#screen`);
    await logIn(page, 'coach');
    // The address opens the big screen (a TV's browser keeps it as its home page).
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('screen'))).toBe(true);
    const tiles = page.locator('[data-testid="tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(20);
    // The demo class follows the HIIT plan: its clock and the phase with the time left in it.
    await expect.poll(() => page.locator('[data-testid="session-bar"] .session-title').innerText()).toBe('HIIT 45 (demo)');
    await expect.poll(() => page.locator('[data-testid="session-clock"]').innerText()).toMatch(/^\d\d:\d\d$/);
    await expect
      .poll(() => page.locator('[data-testid="session-phase"]').innerText())
      .toMatch(/^(warm-up|interval \d+|recovery \d+|cool-down) · \d\d:\d\d left$/);
    // Calories and points add up from the session's start (the athletes' profiles have what the formulas need).
    await expect
      .poll(() => tiles.locator('.kcal').allInnerTexts(), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^[1-9]\d* kcal$/));
    await expect.poll(() => tiles.locator('.points').allInnerTexts()).toContainEqual(expect.stringMatching(/^\d+ pts$/));
    // (The live view reads the roster again every few seconds.)
    await expect
      .poll(() => page.locator('[data-athlete="member-003"] .name').innerText(), { timeout: 10_000 })
      .toMatch(/^([A-ZÀ-Ý]\. ?)+$/);
    await expect.poll(() => page.locator('[data-athlete="member-004"] .name').innerText()).toBe('');
    await expect.poll(() => page.locator('[data-athlete="member-004"] .kcal').innerText()).toBe('');
    // Readable across a room: names and numbers sized to the tile, all 20 on one screen without scrolling.
    const sizes = await tiles.first().evaluate((tile) => ({
      name: Number.parseFloat(getComputedStyle(tile.querySelector('.name')!).fontSize),
      bpm: Number.parseFloat(getComputedStyle(tile.querySelector('.bpm')!).fontSize),
    }));
    await page.screenshot({ path: 'test-results/big-screen.png' });
    expect(sizes.name).toBeGreaterThanOrEqual(24);
    expect(sizes.bpm).toBeGreaterThanOrEqual(60);
    const lastTile = await tiles.last().boundingBox();
    expect(lastTile!.y + lastTile!.height).toBeLessThanOrEqual(1080);
    // Sorted by effort: the most points first.
    await page.selectOption('#tile-sort', 'effort');
    await expect
      .poll(async () => {
        const points = (await tiles.locator('.points').allInnerTexts()).map((text) => Number.parseInt(text, 10) || -1);
        return points.every((value, index) => index === 0 || value <= points[index - 1]!);
      })
      .toBe(true);
    await page.screenshot({ path: 'test-results/big-screen.png' });
    await page.click('#leave-screen');
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('screen'))).toBe(false);
  });

  it('says so when the club does not exist, instead of an empty screen', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.apiUrl}/?club=demo`);
    await logIn(page, 'coach');
    await page.waitForSelector('[data-testid="tile"]');
    await page.goto(`${stack.apiUrl}/?club=nowhere`);
    // The coach's only club is demo: asking for another shows demo (a platform admin would see the message).
    await expect.poll(() => page.locator('#club-name').innerText()).toContain('demo');
    const admin = stack.stores.accounts.createUser({
      email: 'root@platform.example',
      name: 'Root',
      passwordHash: await hashPassword('platform admins password'),
      platformAdmin: true,
    });
    expect(admin.platformAdmin).toBe(true);
    const adminPage = await browser.newPage();
    await adminPage.goto(`${stack.apiUrl}/?club=nowhere`);
    await adminPage.waitForSelector('#login:not([hidden])');
    await adminPage.fill('#login input[name=email]', 'root@platform.example');
    await adminPage.fill('#login input[name=password]', 'platform admins password');
    await adminPage.click('#login button[type=submit]');
    await expect
      .poll(() => adminPage.locator('[data-testid="live-empty"]').innerText())
      .toBe('There is no club “nowhere” here, or it is not yours.');
  });

  it('shows an athlete their own tile only, and logs out', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.apiUrl}/`);
    await logIn(page, 'athlete');
    const tiles = page.locator('[data-testid="tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(1);
    expect(await tiles.first().getAttribute('data-athlete')).toBe('member-001');
    await page.click('#logout');
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="tile"]').count()).toBe(0);
  });

  it('refuses a wrong password with the API’s message', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.fill('#login input[name=email]', stack.demoLogins[0]!.email);
    await page.fill('#login input[name=password]', 'not the password');
    await page.click('#login button[type=submit]');
    await expect.poll(() => page.locator('#login .error').innerText()).toBe('wrong email or password');
  });

  it('lets a club admin invite an athlete, who accepts the link, and issue and revoke gateway credentials', async () => {
    const adminPassword = 'the admins own password';
    const admin = stack.stores.accounts.createUser({
      email: 'admin@demo.example',
      name: 'Ada Admin',
      passwordHash: await hashPassword(adminPassword),
    });
    stack.stores.accounts.setMembership(admin.id, { club: 'demo', role: 'admin', athlete: null });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${stack.apiUrl}/`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', 'admin@demo.example');
    await page.fill('#login input[name=password]', adminPassword);
    await page.click('#login button[type=submit]');
    await page.click('#pages button[data-page="admin"]');
    await page.waitForSelector('[data-testid="admin"]:not([hidden])');

    await page.fill('#invite input[name=email]', 'newcomer@demo.example');
    await page.selectOption('#invite select[name=role]', 'athlete');
    await page.selectOption('#invite select[name=athlete]', 'member-002');
    await page.click('#invite button[type=submit]');
    await expect.poll(() => page.locator('[data-testid="invite-result"]').innerText()).toMatch(/https?:\/\/\S+\?invitation=\S+/);
    const link = /(https?:\/\/\S+\?invitation=\S+)/.exec(await page.locator('[data-testid="invite-result"]').innerText())![1]!;

    await page.fill('#gateway-add input[name=id]', 'hall-1');
    await page.click('#gateway-add button[type=submit]');
    await expect.poll(() => page.locator('[data-testid="gateway-result"]').innerText()).toMatch(/demo\.hall-1 \/ [A-Za-z0-9_-]{43}/);
    await expect.poll(() => page.locator('[data-testid="gateways"] tbody tr').count()).toBeGreaterThanOrEqual(1);
    const row = page.locator('[data-testid="gateways"] tbody tr', { hasText: 'hall-1' });
    await row.locator('button').click();
    await expect.poll(() => row.innerText()).toContain('revoked');

    // The newcomer opens the link in their own browser, chooses a password and sees their own tile.
    const newcomer = await browser.newContext();
    const newcomerPage = await newcomer.newPage();
    await newcomerPage.goto(link);
    await newcomerPage.waitForSelector('#invitation:not([hidden])');
    expect(await newcomerPage.locator('#invitation .email').innerText()).toBe('newcomer@demo.example');
    await newcomerPage.fill('#invitation input[name=name]', 'New Comer');
    await newcomerPage.fill('#invitation input[name=password]', 'newcomers own password');
    await newcomerPage.click('#invitation button[type=submit]');
    const tiles = newcomerPage.locator('[data-testid="tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(1);
    expect(await tiles.first().getAttribute('data-athlete')).toBe('member-002');
    expect(await newcomerPage.locator('[data-testid="admin"]').isVisible()).toBe(false);
    await newcomer.close();
  });

  async function logIn(page: Page, role: 'coach' | 'athlete'): Promise<void> {
    const login = stack.demoLogins.find((candidate) => candidate.role === role)!;
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', login.email);
    await page.fill('#login input[name=password]', login.password);
    await page.click('#login button[type=submit]');
  }
});
