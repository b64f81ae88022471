import {
  ChannelType,
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type Client,
  type Guild,
} from 'discord.js';
import { parseEmoji, parseMessageRef } from '../campaigns/parse.ts';
import { SparksError } from '../core/errors.ts';
import type { QuestStepLaunch, WebQuestControl } from '../http/web/quest-control.ts';
import type { CreateQuestInput, QuestRow, QuestStepRow, ReviewResult } from '../quests/quests.ts';
import { invalid, validateStep } from '../quests/steps.ts';
import type { Services } from '../services.ts';
import { fetchCampaignMessage } from './campaign-launch.ts';
import { translator } from './i18n/index.ts';
import type { Provisions } from './plugins/plugin.ts';
import { botMember } from './guild-access.ts';
import { checkGrantable } from './roles.ts';
import { roleUnsafe } from './shop-text.ts';

/** What the quest flows need from the running bot. */
export interface QuestEnv {
  client: Client;
  services: Services;
  provided: Provisions;
}

const LINK_GUILD = /discord(?:app)?\.com\/channels\/(\d{17,20})\//i;

async function guildOf(client: Client, guildId: string): Promise<Guild> {
  return client.guilds.cache.get(guildId) ?? (await client.guilds.fetch(guildId));
}

/**
 * Creates a draft, after checking that the reward role (if any) is one the bot may hand
 * out. Errors: SPARKS.ROLE_UNSAFE, and those of QuestService.create.
 */
export async function createQuest(
  env: QuestEnv,
  input: CreateQuestInput,
  locale: 'en' | 'ko' = 'en',
): Promise<QuestRow> {
  if (input.rewardRoleId) {
    const check = await checkGrantable(await guildOf(env.client, input.guildId), input.rewardRoleId);
    if (!check.ok) throw roleUnsafe(translator(locale), input.rewardRoleId, check);
  }
  return env.services.quests.create(input);
}

/**
 * Adds a step after checking what only Discord knows, before anything is written: a
 * reaction step's message exists in this server, the bot sees it and can react with the
 * emoji (it does, so members see what to click); a message step's channel is a text
 * channel the bot can see. Errors: SPARKS.QUEST_INVALID ('quest.invalid.other_server',
 * 'quest.invalid.emoji_unusable', 'quest.invalid.channel_kind', as validateStep),
 * SPARKS.MESSAGE_NOT_FOUND, SPARKS.MISSING_PERMISSION, and those of QuestService.addStep.
 */
export async function addQuestStep(
  env: QuestEnv,
  input: QuestStepLaunch,
): Promise<{ quest: QuestRow; step: QuestStepRow }> {
  const { client, services } = env;
  const quest = services.quests.find(input.guildId, input.quest);
  if (quest.status !== 'draft' && quest.status !== 'scheduled')
    throw invalid('quest.invalid.not_editable', { name: quest.name });
  let channelId = input.channelId ?? null;
  // A message given to a kind that takes none is refused by validateStep as unused.
  let messageId: string | null = input.kind !== 'reaction' && input.message?.trim() ? input.message : null;
  const base = {
    kind: input.kind,
    emoji: input.emoji ?? null,
    roleId: input.roleId ?? null,
    count: input.count ?? null,
    volumeUsd: input.volumeUsd ?? null,
    prompt: input.prompt ?? null,
    answers: input.answers ?? null,
    attempts: input.attempts ?? null,
  };
  if (input.kind === 'reaction') {
    const text = input.message?.trim() ?? '';
    // Everything but Discord's part first, so a bad emoji or a missing option writes nothing and calls no one.
    validateStep({ ...base, channelId: '0', messageId: text ? '0' : null });
    const linked = LINK_GUILD.exec(text)?.[1];
    if (linked && linked !== input.guildId) throw invalid('quest.invalid.other_server');
    const ref = parseMessageRef(text, input.guildId, input.currentChannelId ?? '');
    const message = await fetchCampaignMessage(client, ref);
    try {
      await message.react(parseEmoji(input.emoji ?? '').api);
    } catch (e) {
      if (e instanceof DiscordAPIError && e.code === RESTJSONErrorCodes.UnknownEmoji)
        throw invalid('quest.invalid.emoji_unusable');
      if (
        e instanceof DiscordAPIError &&
        (e.code === RESTJSONErrorCodes.MissingPermissions || e.code === RESTJSONErrorCodes.ReactionWasBlocked)
      )
        throw new SparksError('SPARKS.MISSING_PERMISSION', {
          permission: 'Add Reactions',
          channel: `<#${message.channelId}>`,
        });
      throw e;
    }
    channelId = message.channelId;
    messageId = message.id;
  } else if (input.kind === 'message' && channelId) {
    validateStep({ ...base, channelId });
    const guild = await guildOf(client, input.guildId);
    const channel = await guild.channels.fetch(channelId).catch(() => null);
    if (!channel)
      throw new SparksError('SPARKS.MISSING_PERMISSION', {
        permission: 'View Channel',
        channel: `<#${channelId}>`,
      });
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)
      throw invalid('quest.invalid.channel_kind');
    const me = await botMember(guild);
    if (!channel.permissionsFor(me).has(PermissionFlagsBits.ViewChannel))
      throw new SparksError('SPARKS.MISSING_PERMISSION', {
        permission: 'View Channel',
        channel: `<#${channel.id}>`,
      });
  }
  const added = services.quests.addStep(input.guildId, String(quest.id), { ...base, channelId, messageId });
  return added;
}

/** Publishes a draft, and re-arms the schedule so a scheduled start is kept. */
export function publishQuest(
  env: QuestEnv,
  input: { guildId: string; quest: string; moderatorId: string },
): QuestRow {
  const quest = env.services.quests.publish(input.guildId, input.quest, input.moderatorId);
  const runtime = env.provided.find('quests');
  runtime?.arm();
  // Reactions already on a step's message count from the moment it opens.
  if (quest.status === 'published' && runtime) void runtime.reconcile(quest).catch(() => 0);
  return quest;
}

/** Ends a quest now: reactions reconciled first, through the quests runtime. Errors: SPARKS.QUEST_NOT_FOUND. */
export async function endQuest(
  env: QuestEnv,
  input: { guildId: string; quest: string; moderatorId: string },
): Promise<{ quest: QuestRow; ended: boolean }> {
  const quest = env.services.quests.find(input.guildId, input.quest);
  const runtime = env.provided.find('quests');
  const ended = runtime
    ? await runtime.end(quest.id, 'moderator', input.moderatorId)
    : env.services.quests.end(quest.id, 'moderator', input.moderatorId);
  return { quest: env.services.quests.byId(quest.id)!, ended };
}

/** A moderator's decision, then the member told by DM (else in their next quest reply). */
export async function reviewSubmission(
  env: QuestEnv,
  input: Parameters<Services['quests']['review']>[0],
): Promise<ReviewResult & { told: boolean }> {
  const result = env.services.quests.review(input);
  const told = (await env.provided.find('quests')?.tellDecision(result.submission.id)) ?? false;
  return { ...result, told };
}

/** The web dashboard's quest actions, answered by the running bot (built in src/app.ts). */
export class DiscordQuestControl implements WebQuestControl {
  constructor(private readonly env: QuestEnv) {}

  create(input: CreateQuestInput): Promise<QuestRow> {
    return createQuest(this.env, input);
  }

  addStep(input: QuestStepLaunch): Promise<{ quest: QuestRow; step: QuestStepRow }> {
    return addQuestStep(this.env, input);
  }

  publish(input: { guildId: string; quest: string; moderatorId: string }): Promise<QuestRow> {
    return Promise.resolve(publishQuest(this.env, input));
  }

  end(input: {
    guildId: string;
    quest: string;
    moderatorId: string;
  }): Promise<{ quest: QuestRow; ended: boolean }> {
    return endQuest(this.env, input);
  }

  review(input: Parameters<WebQuestControl['review']>[0]): Promise<ReviewResult & { told: boolean }> {
    return reviewSubmission(this.env, input);
  }
}
