import {
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type Client,
  type Message,
} from 'discord.js';
import type { CampaignRow, EndResult, StartInput } from '../campaigns/campaigns.ts';
import { parseDuration, parseEmoji, type MessageRef } from '../campaigns/parse.ts';
import { SparksError } from '../core/errors.ts';
import type { WebCampaignControl, WebCampaignLaunch } from '../http/web/campaign-control.ts';
import type { Services } from '../services.ts';
import { botMember } from './guild-access.ts';
import type { Provisions } from './plugins/plugin.ts';

/** What a moderator asks for when starting a campaign, from any surface (slash, menu, web). */
export type CampaignLaunch = WebCampaignLaunch;

/** What starting a campaign on a message needs from the running bot. */
export interface LaunchEnv {
  client: Client;
  services: Services;
  provided: Provisions;
}

/** What the bot needs in a campaign's channel, with the names Discord shows for them. */
const CHANNEL_PERMISSIONS: [bigint, string][] = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  [PermissionFlagsBits.AddReactions, 'Add Reactions'],
];

/**
 * The one start flow, shared by `/sparks-admin campaign start`, the message menu's modal
 * and the web dashboard: check everything, find the message (it must exist in this guild
 * and the bot must see it), react with the emoji so members see what to click, then start
 * the campaign and reconcile the reactions already on the message. Nothing is written
 * unless the reaction landed.
 *
 * Errors: SPARKS.CAMPAIGN_INVALID, SPARKS.INVALID_AMOUNT (as CampaignService.validate, and
 * a required role that is not in the guild), SPARKS.MESSAGE_NOT_FOUND, SPARKS.MISSING_PERMISSION.
 */
export async function startCampaignOnMessage(env: LaunchEnv, input: CampaignLaunch): Promise<CampaignRow> {
  const { services, provided } = env;
  const endsInMs = input.endsIn ? parseDuration(input.endsIn) : null;
  // The guild is the caller's, whatever the reference says.
  const message = await fetchCampaignMessage(env.client, { ...input.ref, guildId: input.guildId });
  const emoji = parseEmoji(input.emoji);
  const { ref: _ref, endsIn: _endsIn, ...options } = input;
  const start: StartInput = {
    ...options,
    channelId: message.channelId,
    messageId: message.id,
    endsInMs,
    defaultName: `#${message.channel.name} ${emoji.label}`,
  };
  services.campaigns.validate(start);
  if (input.requiredRoleId) {
    const role = await message.guild.roles.fetch(input.requiredRoleId).catch(() => null);
    if (!role) throw new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey: 'campaign.invalid.role' });
  }
  try {
    await message.react(emoji.api);
  } catch (e) {
    throw reactionError(e, message);
  }
  const campaign = services.campaigns.start(start);
  const active = services.campaigns.allActive().find((c) => c.id === campaign.id);
  if (active)
    void provided
      .get('campaigns')
      .reconcile(active)
      .catch(() => undefined);
  return campaign;
}

/**
 * Ends an active campaign of this guild as `/sparks-admin campaign end` does: through the
 * campaigns runtime, which reconciles the message's reactions first. `campaign` is its id
 * or name. Errors: SPARKS.CAMPAIGN_NOT_FOUND.
 */
export async function endCampaign(
  env: Pick<LaunchEnv, 'services' | 'provided'>,
  input: { guildId: string; campaign: string; moderatorId: string },
): Promise<EndResult> {
  const campaign = env.services.campaigns.findActive(input.guildId, input.campaign);
  return env.provided.get('campaigns').end(campaign.id, 'moderator', input.moderatorId);
}

/** The web dashboard's campaign actions, answered by the running bot (built in src/app.ts). */
export class DiscordCampaignControl implements WebCampaignControl {
  constructor(private readonly env: LaunchEnv) {}

  start(input: WebCampaignLaunch): Promise<CampaignRow> {
    return startCampaignOnMessage(this.env, input);
  }

  end(input: { guildId: string; campaign: string; moderatorId: string }): Promise<EndResult> {
    return endCampaign(this.env, input);
  }
}

/** The campaign's message, fetched fresh: it must exist, in this server, and be visible to the bot. */
export async function fetchCampaignMessage(client: Client, ref: MessageRef): Promise<Message<true>> {
  const channel = await client.channels.fetch(ref.channelId).catch(() => null);
  if (!channel || channel.isDMBased() || channel.guildId !== ref.guildId)
    throw new SparksError('SPARKS.MESSAGE_NOT_FOUND', {}, `channel ${ref.channelId}`);
  if (!channel.isTextBased())
    throw new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey: 'campaign.invalid.not_text' });
  const me = await botMember(channel.guild);
  const permissions = channel.permissionsFor(me);
  for (const [flag, name] of CHANNEL_PERMISSIONS) {
    if (!permissions.has(flag))
      throw new SparksError('SPARKS.MISSING_PERMISSION', { permission: name, channel: `<#${channel.id}>` });
  }
  try {
    return await channel.messages.fetch({ message: ref.messageId, force: true });
  } catch (e) {
    if (e instanceof DiscordAPIError && e.status < 500)
      throw new SparksError('SPARKS.MESSAGE_NOT_FOUND', {}, e.message);
    throw e;
  }
}

function reactionError(e: unknown, message: Message<true>): unknown {
  if (!(e instanceof DiscordAPIError)) return e;
  if (e.code === RESTJSONErrorCodes.UnknownEmoji)
    return new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey: 'campaign.invalid.emoji_unknown' });
  if (e.code === RESTJSONErrorCodes.MaximumNumberOfReactionsReached)
    return new SparksError('SPARKS.CAMPAIGN_INVALID', { reasonKey: 'campaign.invalid.too_many_reactions' });
  if (e.code === RESTJSONErrorCodes.MissingPermissions || e.code === RESTJSONErrorCodes.ReactionWasBlocked)
    return new SparksError('SPARKS.MISSING_PERMISSION', {
      permission: 'Add Reactions',
      channel: `<#${message.channelId}>`,
    });
  if (e.code === RESTJSONErrorCodes.UnknownMessage) return new SparksError('SPARKS.MESSAGE_NOT_FOUND');
  return e;
}
