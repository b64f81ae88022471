import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the test browser', () => {
  it('draws Korean with a real font, not the empty box of a character no font has', async () => {
    const page = await openPage(browser);
    // U+E000 is a private-use character: no font draws it, so it shows the missing-glyph box.
    await page.setContent('<div id="a">한</div><div id="b">\uE000</div>');
    await page.addStyleTag({ content: 'div{font:64px sans-serif;width:2em}' });
    const [a, b] = await Promise.all(['#a', '#b'].map((s) => page.locator(s).screenshot()));
    expect(a!.equals(b!)).toBe(false);
    await page.context().close();
  });
});
