import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/core/clock.ts';
import { parseDuration, parseEmoji, parseMessageRef, reactionKey } from '../../src/campaigns/parse.ts';
import { isSparksError } from '../../src/core/errors.ts';

const G = '200000000000000001';
const C = '300000000000000001';
const M = '400000000000000001';

describe('ends_in durations', () => {
  it.each([
    ['30m', 30 * MINUTE_MS],
    ['12h', 12 * HOUR_MS],
    ['3d', 3 * DAY_MS],
    ['1d12h', DAY_MS + 12 * HOUR_MS],
    ['2h 30m', 2 * HOUR_MS + 30 * MINUTE_MS],
    ['1m', MINUTE_MS],
    ['90d', 90 * DAY_MS],
    [' 45MIN ', 45 * MINUTE_MS],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0m', '91d', '30', 'm', '3 weeks', '1h1d', '-5m', '1.5h', '30s'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/campaign.invalid.ends_in/);
  });
});

describe('message references', () => {
  it.each([
    `https://discord.com/channels/${G}/${C}/${M}`,
    `https://ptb.discord.com/channels/${G}/${C}/${M}`,
    `https://canary.discord.com/channels/${G}/${C}/${M}`,
    `https://discordapp.com/channels/${G}/${C}/${M}`,
    `<https://discord.com/channels/${G}/${C}/${M}>`,
  ])('reads the link %s', (link) => {
    expect(parseMessageRef(link, G, '999999999999999999')).toEqual({
      guildId: G,
      channelId: C,
      messageId: M,
    });
  });

  it('takes a bare id as a message in the current channel', () => {
    expect(parseMessageRef(` ${M} `, G, C)).toEqual({ guildId: G, channelId: C, messageId: M });
  });

  it.each([
    `https://discord.com/channels/${'5'.repeat(18)}/${C}/${M}`,
    'https://evil.example/channels/1/2/3',
    'hello',
    '12345',
  ])('refuses %j', (text) => {
    try {
      parseMessageRef(text, G, C);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isSparksError(e, 'SPARKS.MESSAGE_NOT_FOUND')).toBe(true);
    }
  });
});

describe('emoji', () => {
  it.each([
    ['🔥', '🔥', '🔥'],
    ['❤️', '❤', '❤️'],
    ['👍🏽', '👍🏽', '👍🏽'],
    ['🇰🇷', '🇰🇷', '🇰🇷'],
    ['1️⃣', '1⃣', '1️⃣'],
    ['👩‍👩‍👧', '👩‍👩‍👧', '👩‍👩‍👧'],
    ['<:sparkle:123456789012345678>', '123456789012345678', '<:sparkle:123456789012345678>'],
    ['<a:dance:123456789012345678>', '123456789012345678', '<a:dance:123456789012345678>'],
  ])('%s → key %s', (text, key, display) => {
    expect(parseEmoji(text)).toMatchObject({ key, display });
  });

  it('uses name:id for the reaction routes of a custom emoji', () => {
    expect(parseEmoji('<a:dance:123456789012345678>').api).toBe('dance:123456789012345678');
  });

  it.each(['', 'fire', ':fire:', '🔥🔥', 'a', '1', '<:x:1>', '<:name:abc>'])('refuses %j', (text) => {
    expect(() => parseEmoji(text)).toThrow(/campaign.invalid.emoji/);
  });

  it('matches a reaction with or without the variation selector', () => {
    expect(reactionKey({ id: null, name: '❤️' })).toBe(parseEmoji('❤').key);
    expect(reactionKey({ id: '123456789012345678', name: 'sparkle' })).toBe('123456789012345678');
  });
});
