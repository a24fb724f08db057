import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestStack } from '../helpers/up-stack.ts';

// docs/device-kit.md steps 5 to 7 in a browser: `up` with the example plugin, the demo coach plays the
// muscle-oxygen scenario on the simulator page, adds a device, injects a fault, and finds SmO2 on the live
// tiles and in the history chart.

describe.skipIf(!hasChromium())('the device kit walkthrough in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startTestStack({ SIM_ATHLETES: '2', DEVICE_PLUGINS: './examples/device-plugins' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${stack.apiUrl}/?club=demo`);
    const login = stack.demoLogins.find((candidate) => candidate.role === 'coach')!;
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', login.email);
    await page.fill('#login input[name=password]', login.password);
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid="who"]')?.textContent === 'Demo Coach');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('step 5: plays the scenario from the simulator page, adds a virtual device and injects a fault', async () => {
    await page.click('nav button[data-page="simulator"]');
    const scenario = page.locator('#simulator-start select[name=scenario]');
    await expect
      .poll(() => scenario.locator('option').allInnerTexts())
      .toEqual(['HIIT with real-life faults', 'Muscle oxygen on the bikes']);
    await scenario.selectOption('muscle-oxygen-demo');
    await expect.poll(() => page.locator('[data-testid="scenario-description"]').innerText()).toContain('OxaSense SmO2 sensor');
    await page.click('#simulator-start button[type=submit]');
    const status = page.locator('[data-testid="simulator-status"]');
    await expect
      .poll(() => status.innerText())
      .toMatch(/^Playing “Muscle oxygen on the bikes”: 00:00:\d\d in, warm-up, 1× speed · gateway online$/);
    const rows = page.locator('[data-testid="simulator-athletes"] tbody tr');
    await expect.poll(() => rows.count()).toBe(4);

    // A cadence sensor for Giulia, of the built-in profiles the page offers next to the plugin's.
    const profiles = page.locator('#simulator-device select[name=profile] option');
    expect(await profiles.evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value))).toContain(
      'oxasense-smo2',
    );
    await page.selectOption('#simulator-device select[name=profile]', 'cycling_speed_cadence');
    await page.selectOption('#simulator-device select[name=athlete]', 'Giulia');
    await page.click('#simulator-device button[type=submit]');
    const events = page.locator('[data-testid="simulator-events"] li');
    await expect
      .poll(() => events.allInnerTexts())
      .toContainEqual(expect.stringContaining('added a cycling_speed_cadence device sim-giulia-cycling_speed_cadence worn by Giulia'));

    await rows.filter({ hasText: 'Hugo' }).getByRole('button', { name: 'Contact loss 20 s' }).click();
    await expect.poll(() => rows.filter({ hasText: 'Hugo' }).innerText()).toContain('no skin contact');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/device-kit-simulator.png' });
  });

  it('step 6: shows each rider’s SmO2 on their live tile, as the plugin labels it', async () => {
    await page.click('nav button[data-page="live"]');
    const giulia = page.locator('[data-testid="tile"][data-athlete="sim-giulia"]');
    await expect
      .poll(() => giulia.locator('[data-testid="tile-metric"]').allInnerTexts(), { timeout: 20_000 })
      .toEqual([expect.stringMatching(/^SmO₂ \d{1,2}(\.\d)?%$/)]);
    expect(await giulia.locator('[data-testid="tile-metric"]').getAttribute('data-kind')).toBe('oxasense.muscle_oxygen');
    await expect.poll(() => giulia.getAttribute('data-state')).toBe('live');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/device-kit-live.png' });
  });

  it('step 7: draws a rider’s SmO2 over time on the history page', async () => {
    await page.click('nav button[data-page="history"]');
    const form = page.locator('#history-query');
    await expect.poll(() => form.locator('select[name=athlete] option').allInnerTexts()).toContain('Giulia');
    await form.locator('select[name=athlete]').selectOption('sim-giulia');
    await expect
      .poll(() => form.locator('select[name=measure] option').allInnerTexts())
      .toEqual(['Heart rate (bpm)', 'Muscle oxygen: SmO₂ (%)', 'Muscle oxygen: THb (g/dL)']);
    await form.locator('select[name=measure]').selectOption('oxasense.muscle_oxygen|smo2Percent');
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => page.locator('[data-testid="history-summary"]').innerText(), { timeout: 10_000 })
      .toMatch(/^\d+ Muscle oxygen: SmO₂ samples · average \d{1,2}(\.\d)? % · highest \d{1,2}(\.\d)? %$/);
    expect(await page.locator('#history-chart canvas').count()).toBe(1);
  });

  it('step 9: offers the plugin’s profile when the club registers a device, then the demo stops', async () => {
    await page.click('nav button[data-page="roster"]');
    await expect
      .poll(() => page.locator('#device-add select[name=profile] option').allInnerTexts())
      .toContain('OxaSense SmO2 muscle-oxygen sensor');
    await page.click('nav button[data-page="simulator"]');
    await page.click('#simulator-stop');
    await expect.poll(() => page.locator('[data-testid="simulator-status"]').innerText()).toBe('No scenario is running.');
  });
});
