import { type Browser, chromium } from 'playwright-core';
import { requireSystemProgram } from './system-service.ts';

/** Debian's Chromium (`npx playwright install` cannot download browsers here). */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = () => requireSystemProgram(CHROMIUM, 'apt-get install chromium');

/** Headless Chromium as every browser test runs it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
