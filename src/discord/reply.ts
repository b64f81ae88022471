import {
  MessageFlags,
  type BaseMessageOptions,
  type InteractionReplyOptions,
  type MessageComponentInteraction,
  type RepliableInteraction,
} from 'discord.js';

export interface ReplyPayload extends Pick<
  BaseMessageOptions,
  'content' | 'embeds' | 'components' | 'files'
> {
  ephemeral?: boolean;
}

/** Never ping anyone from text a user typed (names, reasons, reward descriptions). */
export const NO_MENTIONS = { parse: [] } as const;

/**
 * Sends a reply through whichever path the interaction's state allows: the first reply,
 * an edit of a deferred reply, or a follow-up. Ephemeral replies stay ephemeral even
 * after a public defer (the deferred placeholder is removed and a private follow-up sent).
 */
export async function respond(interaction: RepliableInteraction, payload: ReplyPayload): Promise<void> {
  const { ephemeral = false, ...message } = payload;
  const body = { allowedMentions: NO_MENTIONS, ...message };
  const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ ...body, flags } as InteractionReplyOptions);
    return;
  }
  if (interaction.deferred && !interaction.replied) {
    if (updating.has(interaction)) {
      // @original is the message the component sits on: neither delete nor overwrite it.
      await interaction.followUp({ ...body, flags });
      return;
    }
    if (ephemeral && !interaction.ephemeral) {
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ ...body, flags });
      return;
    }
    await interaction.editReply(body);
    return;
  }
  await interaction.followUp({ ...body, flags });
}

const updating = new WeakSet<object>();

/**
 * Acknowledges a button or menu click that will edit its own message (`editReply` then
 * edits that message). Use this rather than `interaction.deferUpdate()`: discord.js cannot
 * tell the two kinds of deferral apart, and `respond` must not delete or overwrite the
 * clicked message when it reports an error afterwards.
 */
export async function deferUpdate(interaction: MessageComponentInteraction): Promise<void> {
  await interaction.deferUpdate();
  updating.add(interaction);
}
