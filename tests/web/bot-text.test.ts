import { describe, expect, it } from 'vitest';
import { botText, formatDate } from '../../src/http/web/bot-text.ts';

describe("the bot's words on a web page", () => {
  it('writes a moment in UTC in the visitor’s language', () => {
    expect(formatDate('en', Date.UTC(2026, 11, 2, 14, 5))).toBe('2 Dec 2026, 14:05 UTC');
    expect(formatDate('ko', Date.UTC(2026, 11, 2, 14, 5))).toMatch(/^2026\. 12\. 2\..*UTC$/);
  });

  it('turns Discord markup into escaped HTML: a role by name, a timestamp as a date', () => {
    const o = { locale: 'en' as const, roles: new Map([['42', 'VIP <b>']]), unknownRole: 'a deleted role' };
    expect(botText('Until <t:0:R>, you hold <@&42>; **bold** `code` <i>', o).value).toBe(
      'Until <time>1 Jan 1970, 00:00 UTC</time>, you hold <strong>@VIP &lt;b&gt;</strong>; <strong>bold</strong> <code>code</code> &lt;i&gt;',
    );
    expect(botText('<@&7>', o).value).toBe('<strong>@a deleted role</strong>');
  });
});
