import type { Browser, Page } from 'playwright-core';
import { openPage } from '../../testkit/browser.ts';
import { logIn, type WebWorld } from '../../testkit/web.ts';

/** A page logged in as `name` (through the site's button), left on the guild's leaderboard. */
export async function loggedIn(browser: Browser, w: WebWorld, name: string): Promise<Page> {
  const page = await openPage(browser, { locale: 'en-US' });
  await page.goto(`${w.url}/g/${w.guildId}/leaderboard`);
  await logIn(page, name);
  return page;
}
