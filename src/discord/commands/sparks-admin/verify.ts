import { EmbedBuilder, MessageFlags } from 'discord.js';
import { verifyLedger } from '../../../db/verify.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';

/** `/sparks-admin verify`: recomputes every balance and checks every ledger invariant. */
export const verify: Subcommand = {
  name: 'verify',
  description: {
    en: 'Check that every balance matches the ledger',
    ko: '모든 잔액이 원장과 일치하는지 확인합니다',
  },
  moderatorOnly: true,
  async execute({ interaction, services, t }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const report = verifyLedger(services.db);
    const failed = report.checks.filter((c) => !c.ok);
    const embed = new EmbedBuilder()
      .setColor(report.ok ? 0x2ecc71 : 0xe74c3c)
      .setTitle(t('verify.title'))
      .setDescription(report.ok ? t('verify.clean') : t('verify.violations', { count: failed.length }))
      .setFooter({
        text: t('verify.stats', {
          transfers: report.stats.transfers,
          accounts: report.stats.accounts,
          holds: report.stats.openHolds,
        }),
      });
    for (const check of failed.slice(0, 24)) {
      const value = check.problems.map((p) => `• ${p}`).join('\n') || '—';
      embed.addFields({
        name: `❌ ${check.name}`.slice(0, 256),
        value: value.length > 1024 ? `${value.slice(0, 1023)}…` : value,
      });
    }
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};
