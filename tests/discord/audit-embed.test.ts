import { describe, expect, it } from 'vitest';
import { renderAuditEmbed } from '../../src/discord/plugins/audit-log.ts';

const at = Date.UTC(2026, 10, 24, 12);

describe('audit-log embeds', () => {
  it('render an award in English and in Korean', () => {
    const event = {
      guildId: 'g',
      kind: 'award' as const,
      actorId: '1',
      userId: '2',
      amount: 1500,
      reason: 'AMA',
      at,
    };
    expect(renderAuditEmbed(event, 'en').data).toMatchObject({
      title: '✨ Sparks awarded',
      description: '<@1> awarded **1,500 Sparks** to <@2>',
      fields: [{ name: 'Reason', value: 'AMA' }],
      timestamp: new Date(at).toISOString(),
    });
    expect(renderAuditEmbed(event, 'ko').data).toMatchObject({
      title: '✨ Sparks 지급',
      description: '<@1>님이 <@2>님에게 **1,500 Sparks**를 지급했습니다',
      fields: [{ name: '사유', value: 'AMA' }],
    });
  });

  it('localize campaign summary fields and their values', () => {
    const embed = renderAuditEmbed(
      {
        guildId: 'g',
        kind: 'campaign.end',
        fields: { campaign: 'Launch', end_reason: 'budget', participants: '1234' },
        at,
      },
      'ko',
    );
    expect(embed.data.fields).toEqual([
      { name: '캠페인', value: 'Launch', inline: true },
      { name: '사유', value: '예산 소진', inline: true },
      { name: '참여자', value: '1,234', inline: true },
    ]);
  });

  it('render typed facts as mentions, relative times and links, as the markup once written by hand', () => {
    const endsAt = Date.UTC(2026, 10, 25, 12, 0, 0, 999);
    const embed = renderAuditEmbed(
      {
        guildId: 'g',
        kind: 'campaign.start',
        actorId: '1',
        amount: 10,
        fields: {
          campaign: 'Launch',
          message: { type: 'message', guildId: '10', channelId: '20', messageId: '30' },
          ends_at: { type: 'time', at: endsAt },
          budget: 12000,
          required_role: { type: 'role', id: '40' },
          revoke_on_unreact: true,
        },
        at,
      },
      'en',
    );
    expect(embed.data.fields).toEqual([
      { name: 'Campaign', value: 'Launch', inline: true },
      { name: 'Message', value: 'https://discord.com/channels/10/20/30', inline: true },
      { name: 'Ends', value: `<t:${Math.floor(endsAt / 1000)}:R>`, inline: true },
      { name: 'Budget', value: '12,000', inline: true },
      { name: 'Required role', value: '<@&40>', inline: true },
      { name: 'Revoke on unreact', value: 'yes', inline: true },
    ]);
    expect(
      renderAuditEmbed(
        {
          guildId: 'g',
          kind: 'config',
          fields: { who: { type: 'user', id: '5' }, where: { type: 'channel', id: '6' } },
          at,
        },
        'ko',
      ).data.fields?.map((f) => f.value),
    ).toEqual(['<@5>', '<#6>']);
  });

  it('show what another feature records, even without strings of its own', () => {
    const embed = renderAuditEmbed(
      { guildId: 'g', kind: 'redemption', userId: '2', amount: 300, fields: { Reward: 'VIP role' }, at },
      'en',
    );
    expect(embed.data.title).toBe('🛒 Redemption');
    expect(embed.data.description).toBe('Member: <@2>\nSparks: 300 Sparks');
    expect(embed.data.fields).toEqual([{ name: 'Reward', value: 'VIP role', inline: true }]);
  });
});
