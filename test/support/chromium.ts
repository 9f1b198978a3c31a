import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { onCleanup } from './cleanup.js';

/** Debian's Chromium, which playwright-core drives. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium for test `t`, closed when it ends; undefined when it is not installed, and
 * then `t` is skipped (CI must run it: there a missing Chromium fails the test).
 */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: CI must run the browser test (apt-get install chromium)`);
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  onCleanup(t, () => browser.close());
  return browser;
}

/** A page of `browser` opened at `url`, and every console error or warning, page error and failed response it meets. */
export async function openWatched(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<{ readonly page: Page; readonly problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  return { page, problems };
}
