import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentBuilder, MessageFlags } from 'discord.js';
import { exportLedgerCsv } from '../../../moderation/export.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';

/** Discord's attachment limit for bots without boosts. */
const DISCORD_ATTACHMENT_LIMIT = 25 * 1024 * 1024;

/** `/sparks-admin export`: the guild's ledger as a CSV attachment (gzipped if it must be). */
export const exportLedger: Subcommand = {
  name: 'export',
  description: { en: 'Download this server’s ledger as CSV', ko: '이 서버의 원장을 CSV로 내려받습니다' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const limitBytes = Math.min(
      interaction.attachmentSizeLimit || DISCORD_ATTACHMENT_LIMIT,
      DISCORD_ATTACHMENT_LIMIT,
    );
    const dir = await mkdtemp(join(tmpdir(), 'sparks-export-'));
    try {
      const result = await exportLedgerCsv(services.db, guildId, { dir, limitBytes, now: services.clock() });
      if (!result.ok) {
        await respond(interaction, {
          content: t('export.too_large', {
            rows: result.rows,
            size: (result.bytes / 1024 / 1024).toFixed(1),
            limit: Math.floor(limitBytes / 1024 / 1024),
          }),
          ephemeral: true,
        });
        return;
      }
      await respond(interaction, {
        content: t(result.gzipped ? 'export.gzipped' : 'export.done', { rows: result.rows }),
        files: [new AttachmentBuilder(result.path, { name: result.name })],
        ephemeral: true,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
