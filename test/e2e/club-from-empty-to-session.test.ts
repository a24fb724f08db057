import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrlWith } from '../../protocol/mqtt/access.ts';
import { runSimulation } from '../../simulators/run-simulation.ts';
import { hashPassword } from '../../store/secrets.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { startTestStack } from '../helpers/up-stack.ts';

const ADMIN = { email: 'harbour-admin@example.org', password: 'harbour admins password' };

// "Done means" of the roster issue: a club admin goes from an empty club to a running session with paired
// athletes using only the dashboard. The platform creates the club and its first admin (the command line
// does that); everything after is clicks in Chromium, with a simulated gateway carrying three straps the
// club has never seen.
describe.skipIf(!hasChromium())('a club from empty to a running session, in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let browser: Browser;
  let page: Page;
  const simulation = new AbortController();
  let simulating: Promise<unknown> = Promise.resolve();

  beforeAll(async () => {
    stack = await startTestStack({ SIM_ATHLETES: '0' });
    stack.stores.registry.upsertClub('harbour', 'Harbour Triathlon');
    const admin = stack.stores.accounts.createUser({
      email: ADMIN.email,
      name: 'Hana Admin',
      passwordHash: await hashPassword(ADMIN.password),
    });
    stack.stores.accounts.setMembership(admin.id, { club: 'harbour', role: 'admin', athlete: null });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
    mkdirSync('test-results', { recursive: true });
  });
  afterAll(async () => {
    simulation.abort();
    await simulating;
    await browser?.close();
    await stack?.dispose();
  });

  const tab = (name: string) => page.click(`#pages button[data-page="${name}"]`);
  const rowOf = (table: string, text: string) => page.locator(`[data-testid="${table}"] tbody tr`, { hasText: text });

  it('logs the admin in to an empty club, with every page', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login input[name=email]', ADMIN.email);
    await page.fill('#login input[name=password]', ADMIN.password);
    await page.click('#login button[type=submit]');
    await expect
      .poll(() => page.locator('#pages button:not([hidden])').allInnerTexts())
      .toEqual(['Live', 'Sessions', 'Pairing', 'Roster', 'Big screen', 'Weeks', 'History', 'Admin']);
  });

  it('issues the gateway’s credentials, and the gateway starts sending three straps nobody knows', async () => {
    await tab('admin');
    await page.fill('#gateway-add input[name=id]', 'hall');
    await page.click('#gateway-add button[type=submit]');
    const shown = await expect
      .poll(() => page.locator('[data-testid="gateway-result"]').innerText())
      .toMatch(/harbour\.hall \/ \S+/)
      .then(() => page.locator('[data-testid="gateway-result"]').innerText());
    const [, username, password] = /(harbour\.hall) \/ (\S+)/.exec(shown)!;
    simulating = runSimulation({
      brokerUrl: brokerUrlWith(stack.mqttUrl, { username: username!, password: password! }),
      club: 'harbour',
      gateway: 'hall',
      athletes: 3,
      seed: 7,
      durationMs: 0,
      pace: 'realtime',
      signal: simulation.signal,
      logger: testLogger,
    });
  });

  it('builds the roster: one athlete by hand, more from a spreadsheet with a bad row, and a pool belt', async () => {
    await tab('roster');
    await page.fill('#athlete-add input[name=id]', 'ines');
    await page.fill('#athlete-add input[name=name]', 'Inès Moreau');
    await page.fill('#athlete-add input[name=birthYear]', '1990');
    await page.check('#athlete-add input[name=consent]');
    await page.click('#athlete-add button[type=submit]');
    await expect.poll(() => rowOf('athletes', 'Inès Moreau').innerText()).toMatch(/ines\s+1990.*\(estimated\)/s);

    await page.setInputFiles('#roster-import input[type=file]', {
      name: 'members.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('id,name,birth_year,consent\nmarc,"Lefèvre, Marc",1985,yes\nBAD ID,Someone,,\nsoren,Søren Ekdahl,1979,yes\n'),
    });
    await page.click('#roster-import button[type=submit]');
    await expect
      .poll(() => page.locator('[data-testid="import-result"]').innerText())
      .toMatch(/^2 created, 0 updated, 1 refused\nline 3: id/);
    await expect.poll(() => page.locator('[data-testid="athletes"] tbody tr').count()).toBe(3);

    await page.fill('#device-add input[name=id]', 'sim-hrm-002');
    await page.fill('#device-add input[name=label]', 'Belt 2');
    await page.click('#device-add button[type=submit]');
    await expect.poll(() => rowOf('devices', 'Belt 2').innerText()).toContain('club pool');
  });

  let attachedFromMs = 0;
  it('pairs a walk-in’s strap from the nearby list, attaching what it sent before', async () => {
    await tab('pairing');
    const walkInRow = rowOf('nearby', 'sim-hrm-001');
    await expect.poll(() => walkInRow.innerText(), { timeout: 20_000 }).toMatch(/sim-hrm-001\s+\d+ bpm\s+[▮▯]+ -\d+ dBm/);
    expect(await rowOf('nearby', 'sim-hrm-002').count()).toBe(1); // the pool belt, known but not worn
    await walkInRow.locator('button').click();
    await page.waitForSelector('[data-testid="walk-in"]:not([hidden])');
    expect(await page.locator('#walk-in .attach-label').innerText()).toMatch(/^attach what it sent since /);
    await page.selectOption('#walk-in select[name=athlete]', 'ines');
    await page.screenshot({ path: 'test-results/pairing-walk-in.png', fullPage: true });
    const pairedAt = Date.now();
    await page.click('#walk-in button[type=submit]');
    await expect.poll(() => rowOf('worn', 'sim-hrm-001').innerText()).toContain('Inès Moreau');
    await expect.poll(() => rowOf('nearby', 'sim-hrm-001').count()).toBe(0);
    const pairing = stack.stores.registry.pairingLog('harbour', 0, Date.now() + 1).find((one) => one.device === 'sim-hrm-001')!;
    attachedFromMs = pairing.fromMs;
    expect(attachedFromMs).toBeLessThan(pairedAt);
    expect(stack.stores.registry.getDevice('harbour', 'sim-hrm-001')).toMatchObject({ owner: 'ines', athlete: 'ines' });
  });

  it('checks in a pool belt with two taps', async () => {
    await page.click('[data-testid="pool-belts"] button[data-device="sim-hrm-002"]');
    await page.click('[data-testid="check-in-athletes"] button[data-athlete="marc"]');
    await expect.poll(() => rowOf('worn', 'Belt 2').innerText()).toContain('Lefèvre, Marc');
    expect(await page.locator('[data-testid="pool-belts"] button').count()).toBe(0);
    await page.screenshot({ path: 'test-results/pairing.png', fullPage: true });
  });

  it('starts a session, shows who takes part and who is live, and stops it', async () => {
    await tab('sessions');
    await page.fill('#session-start input[name=title]', 'Saturday brick');
    await page.click('#session-start button[type=submit]');
    await page.waitForSelector('[data-testid="running-session"]:not([hidden])');
    const participants = page.locator('[data-testid="participants"] li');
    await expect
      .poll(async () => (await participants.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.athlete))).sort(), {
        timeout: 20_000,
      })
      .toEqual(['ines', 'marc']);
    await expect
      .poll(
        () =>
          page
            .locator('[data-testid="present"] li')
            .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.athlete).sort()),
        {
          timeout: 20_000,
        },
      )
      .toEqual(['ines', 'marc']);
    await page.screenshot({ path: 'test-results/session-running.png', fullPage: true });
    await page.click('[data-testid="running-session"] button.stop');
    await page.waitForSelector('#session-start:not([hidden])');
    const past = rowOf('past-sessions', 'Saturday brick');
    await expect.poll(() => past.innerText()).toMatch(/Inès Moreau|Lefèvre, Marc/);
    const session = stack.stores.sessions.listSessions('harbour')[0]!;
    expect(session.stopMs).not.toBeNull();
    expect(session.participants.map((participant) => participant.athlete).sort()).toEqual(['ines', 'marc']);
    // The pool belt went back to the pool; Inès's own strap stays hers.
    expect(stack.stores.registry.getDevice('harbour', 'sim-hrm-002')!.athlete).toBeNull();
    expect(stack.stores.registry.getDevice('harbour', 'sim-hrm-001')!.athlete).toBe('ines');
  });

  it('shows the walk-in’s samples in her history, those from before the pairing included', async () => {
    await tab('history');
    await page.selectOption('#history-query select[name=athlete]', 'ines');
    await page.click('#history-query button[type=submit]');
    await expect
      .poll(() => page.locator('[data-testid="history-summary"]').innerText())
      .toMatch(/^\d+ heart-rate samples · average \d+ bpm/);
    expect(await page.locator('#history-chart canvas').count()).toBe(1);
    const beforePairing = await stack.stores.timeSeries.countPoints({
      club: 'harbour',
      device: 'sim-hrm-001',
      toMs: attachedFromMs + 1000,
    });
    expect(beforePairing).toBeGreaterThan(0);
    // Up to a few seconds ago, so both counts see the same stored samples.
    const untilMs = Date.now() - 5000;
    const history = await page.evaluate(
      async ([fromMs, toMs]) => {
        const response = await fetch(`/api/v1/clubs/harbour/athletes/ines/history?fromMs=${fromMs}&toMs=${toMs}&bucket=1h`);
        return (await response.json()).count.reduce((total: number, count: number) => total + count, 0);
      },
      [attachedFromMs, untilMs],
    );
    expect(history).toBeGreaterThan(0);
    expect(history).toBe(
      await stack.stores.timeSeries.countPoints({
        club: 'harbour',
        device: 'sim-hrm-001',
        kind: 'heart_rate',
        fromMs: attachedFromMs,
        toMs: untilMs,
      }),
    );
  });
});
