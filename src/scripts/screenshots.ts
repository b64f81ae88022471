/**
 * `npm run screenshots`: PNGs of the web's pages for the docs (docs/screenshots/), taken
 * in real headless Chromium (testkit/browser.ts, with the Korean font) against the demo
 * world of `npm run demo:web`, logged in as a person does: "Log in with Discord", then a
 * demo user on the fake's authorize page. A page this build does not serve yet (not a 200)
 * is skipped and named; add a page by adding a line to SHOTS.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../paths.ts';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { logIn } from '../../testkit/web.ts';
import { startDemoWeb, type DemoWeb } from './demo/web-world.ts';

interface Shot {
  /** File name in docs/screenshots/, without .png. */
  file: string;
  /** Path on the site; `:id` is the demo guild. */
  path: string;
  /** Who is logged in (a name on the fake's authorize page); null: an anonymous visitor. */
  as: string | null;
  locale: 'en-US' | 'ko-KR';
}

const SHOTS: Shot[] = [
  { file: 'leaderboard', path: '/g/:id/leaderboard', as: 'Alice', locale: 'en-US' },
  { file: 'leaderboard-ko', path: '/g/:id/leaderboard?period=week', as: '이서연', locale: 'ko-KR' },
  { file: 'member', path: '/g/:id/me', as: 'Alice', locale: 'en-US' },
  { file: 'analytics', path: '/g/:id/admin/analytics', as: 'Mod', locale: 'en-US' },
];

const OUT = join(ROOT, 'docs', 'screenshots');
/** A transparent 1×1 PNG. */
const CLEAR_PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=',
  'base64',
);

/** Takes one shot in a fresh browser context; false when the page does not answer 200. */
async function take(browser: Browser, demo: DemoWeb, shot: Shot): Promise<boolean> {
  const page = await openPage(browser, {
    locale: shot.locale,
    viewport: { width: 1100, height: 760 },
    colorScheme: 'light',
  });
  // Avatars come out as the page's grey placeholder circle, not the test kit's green pixel.
  await page.context().route(
    (u) => u.hostname === 'cdn.discordapp.com',
    (route) => route.fulfill({ status: 200, contentType: 'image/png', body: CLEAR_PIXEL }),
  );
  try {
    const url = `${demo.url}${shot.path.replace(':id', demo.world.guildId)}`;
    if (shot.as) {
      await page.goto(demo.boardUrl);
      await logIn(page, shot.as);
    }
    const res = await page.goto(url, { waitUntil: 'load' });
    if (res?.status() !== 200) {
      console.log(`skipped ${shot.file}: ${shot.path} answered ${res?.status() ?? 'nothing'}`);
      return false;
    }
    const file = join(OUT, `${shot.file}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${relative(process.cwd(), file) || file}`);
    return true;
  } finally {
    await page.context().close();
  }
}

async function main(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const demo = await startDemoWeb();
  const browser = await launchBrowser();
  try {
    let taken = 0;
    for (const shot of SHOTS) if (await take(browser, demo, shot)) taken++;
    console.log(`${taken} of ${SHOTS.length} pages captured`);
    return taken > 0 ? 0 : 1;
  } finally {
    await browser.close();
    await demo.stop();
  }
}

process.exitCode = await main();
