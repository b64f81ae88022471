/**
 * Real headless Chromium for the web's end-to-end tests, from the npm registry alone:
 * `@sparticuz/chromium` ships the browser (unpacked to the temp folder once, by the
 * suite's global setup) and `playwright-core` drives it. That Chromium has no CJK font,
 * so the Noto Sans KR the cards already ship is installed into its font folder: Korean
 * pages render as Korean in screenshots. Every browser runs on loopback only and closes
 * with its test file.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * Flags @sparticuz/chromium sets for its own (Lambda) use: two would hide what a member's
 * browser enforces, and one process for everything crashes when a test opens several pages.
 */
const DROPPED = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);
/** No background traffic: this machine has no network beyond loopback. */
const QUIET = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-gpu',
];

const FONTS = join(tmpdir(), 'fonts');
/**
 * The browser's fontconfig: the system's fonts and the folder the Korean font goes to.
 * @sparticuz/chromium points fontconfig at that folder only on Amazon Linux; elsewhere
 * Chromium read the system's configuration alone and drew Korean as empty boxes.
 */
const FONTCONFIG_FILE = join(tmpdir(), 'sparks-fonts.conf');

/** Unpacks Chromium (once per machine) and installs the Korean font; returns the executable. */
export async function chromiumExecutable(): Promise<string> {
  const exe = await chromium.executablePath();
  const target = join(FONTS, 'NotoSansKR-Regular.ttf');
  if (!existsSync(target)) {
    mkdirSync(FONTS, { recursive: true });
    const require = createRequire(import.meta.url);
    const ttf = require.resolve('@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf');
    copyFileSync(ttf, target);
  }
  if (!existsSync(FONTCONFIG_FILE))
    writeFileSync(
      FONTCONFIG_FILE,
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${FONTS}</dir>
  <cachedir>${join(tmpdir(), 'sparks-fonts-cache')}</cachedir>
</fontconfig>
`,
    );
  return exe;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await chromiumExecutable();
  return playwright.launch({
    executablePath,
    headless: true,
    args: [...chromium.args.filter((a) => !DROPPED.has(a)), ...QUIET],
    env: { ...process.env, FONTCONFIG_FILE },
  });
}

/** A free loopback port (the web's PUBLIC_URL must be known before the server starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A 1×1 PNG, what every Discord CDN image (avatars, icons) is in tests. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A page in a fresh context that can reach loopback only: Discord's CDN (avatars) answers
 * with a local pixel, and any other address is refused — no test reaches the internet.
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  await context.route(
    (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
    async (route) => {
      if (new URL(route.request().url()).hostname === 'cdn.discordapp.com')
        await route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL });
      else await route.abort('blockedbyclient');
    },
  );
  return context.newPage();
}
