/**
 * A world with the web on: the bot's HTTP server on a free loopback port, the web's
 * settings set, and the fake Discord's OAuth2 application registered for its callbacks
 * (the login's and the Linked Roles page's).
 * `logIn` acts as a person does: clicks "Log in with Discord", then the fake user on the
 * fake's authorize page. `accessibility` runs axe-core on the page as it stands.
 */
import type { Page } from 'playwright-core';
import { startWorld, type BotWorld, type StartOptions } from './bot.ts';
import { freePort } from './browser.ts';

export const WEB_CLIENT_SECRET = 'fake-client-secret-0123456789';
export const WEB_SESSION_SECRET = 'a-session-secret-that-is-long-enough-0123456789';

export interface WebWorld extends BotWorld {
  /** The site's origin, e.g. http://127.0.0.1:40123 */
  url: string;
}

/**
 * `port` (default: a free one) and the env's DISCORD_CLIENT_SECRET / SESSION_SECRET (default:
 * the fixed test secrets) let the demo serve a known port with secrets of its own.
 */
export async function startWebWorld(options: StartOptions & { port?: number } = {}): Promise<WebWorld> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const world = await startWorld({
    ...options,
    env: {
      HTTP_PORT: String(port),
      WEBHOOK_HOST: '127.0.0.1',
      DISCORD_CLIENT_SECRET: WEB_CLIENT_SECRET,
      PUBLIC_URL: url,
      SESSION_SECRET: WEB_SESSION_SECRET,
      ...options.env,
    },
  });
  world.fake.oauth2.register({
    clientId: world.fake.applicationId,
    clientSecret: options.env?.DISCORD_CLIENT_SECRET ?? WEB_CLIENT_SECRET,
    redirectUris: [`${url}/auth/callback`, `${url}/linked-role/callback`],
  });
  return Object.assign(world, { url });
}

/** Logs in through the site's button and the fake's authorize page, as `displayName`. */
export async function logIn(page: Page, displayName: string): Promise<void> {
  await page
    .getByRole('link', { name: /Log in with Discord|Discord로 로그인/ })
    .first()
    .click();
  await page.getByRole('button', { name: `Log in as ${displayName}` }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/oauth2/') && !u.pathname.startsWith('/auth/'));
}

/** axe-core's serious and critical violations on the page (an accessible page has none). */
export async function accessibility(page: Page): Promise<string[]> {
  // Loaded on first use: the demo world (npm run demo:web) starts without axe.
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Presses the form button named exactly `button`; the response to the POST it sends, once the next page loaded. */
export async function submit(page: Page, button: string) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState();
  return response;
}
