import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
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
