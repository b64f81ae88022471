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
