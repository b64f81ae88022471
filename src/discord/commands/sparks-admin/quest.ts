import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type AutocompleteInteraction,
  type Interaction,
} from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import {
  MAX_COMPLETIONS,
  MAX_DESCRIPTION,
  MAX_QUEST_NAME,
  MAX_REASON,
  type QuestRow,
  type QuestStepRow,
} from '../../../quests/quests.ts';
import { MAX_ATTEMPTS, MAX_COUNT, MAX_PROMPT, MAX_VOLUME_USD } from '../../../quests/steps.ts';
import { QUEST_STEP_KINDS } from '../../../db/schema.ts';
import type { MessageKey, Translate } from '../../i18n/index.ts';
import { pageButtons } from '../../pages.ts';
import { isModerator } from '../../permissions.ts';
import { addQuestStep, createQuest, endQuest, publishQuest, reviewSubmission } from '../../quest-control.ts';
import { plain, rewardText, stepLine } from '../../quest-text.ts';
import { respond, type ReplyPayload } from '../../reply.ts';
import { clip } from '../../season-text.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { addGateOptions } from '../gate-options.ts';

export const QUEST_COLOR = 0x1abc9c;

const when = (at: number) => `<t:${Math.floor(at / 1000)}:R>`;
export const stateText = (t: Translate, q: QuestRow) => t(`quest.state.${q.status}` as MessageKey);

function questOption(b: Parameters<NonNullable<Subcommand['options']>>[0]) {
  return b.addStringOption((o) =>
    describe(o.setName('quest'), { en: 'Which quest', ko: '퀘스트' })
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(100),
  );
}

/** The guild's quests for an admin's autocomplete, newest first, filtered by what was typed. */
async function adminChoices(
  { interaction, services, guildId, t }: Ctx<AutocompleteInteraction>,
  keep: (q: QuestRow) => boolean,
): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const choices = services.quests
    .list(guildId, 100)
    .map((s) => s.quest)
    .filter((q) => keep(q) && (q.nameKey.includes(typed) || String(q.id) === typed))
    .slice(0, 25)
    .map((q) => ({
      name: clip(t('quest.choice', { name: q.name, state: stateText(t, q) }), 100),
      value: String(q.id),
    }));
  await interaction.respond(choices);
}

/** `/sparks-admin quest create name sparks [description] [recurrence] [starts_in] [ends_in] [role] [max_completions] [required_role] [min_account_days]`. */
export const questCreate: Subcommand = {
  name: 'create',
  group: 'quest',
  description: {
    en: 'Create a quest (a draft until you publish it)',
    ko: '퀘스트를 만듭니다 (공개 전까지 초안)',
  },
  moderatorOnly: true,
  options: (b) =>
    addGateOptions(
      b
        .addStringOption((o) =>
          describe(o.setName('name'), { en: 'The quest’s name', ko: '퀘스트 이름' })
            .setRequired(true)
            .setMaxLength(MAX_QUEST_NAME),
        )
        .addIntegerOption((o) =>
          describe(o.setName('sparks'), { en: 'Sparks for completing it', ko: '완료 보상 Sparks' })
            .setRequired(true)
            .setMinValue(MIN_AMOUNT)
            .setMaxValue(MAX_AMOUNT),
        )
        .addStringOption((o) =>
          describe(o.setName('description'), { en: 'What it is about', ko: '설명' }).setMaxLength(
            MAX_DESCRIPTION,
          ),
        )
        .addStringOption((o) =>
          describe(o.setName('recurrence'), {
            en: 'Once (default), daily or weekly',
            ko: '한 번 (기본), 매일, 매주',
          }).addChoices(
            { name: 'once', name_localizations: { ko: '한 번' }, value: 'once' },
            { name: 'daily', name_localizations: { ko: '매일' }, value: 'daily' },
            { name: 'weekly', name_localizations: { ko: '매주' }, value: 'weekly' },
          ),
        )
        .addStringOption((o) =>
          describe(o.setName('starts_in'), {
            en: 'Opens after, e.g. 2h, 1d (default: when published)',
            ko: '시작까지, 예: 2h, 1d (기본: 공개 시)',
          }).setMaxLength(20),
        )
        .addStringOption((o) =>
          describe(o.setName('ends_in'), {
            en: 'Ends after, from now, e.g. 7d (default: never)',
            ko: '지금부터 종료까지, 예: 7d (기본: 없음)',
          }).setMaxLength(20),
        )
        .addRoleOption((o) =>
          describe(o.setName('role'), { en: 'A role for completing it', ko: '완료 보상 역할' }),
        )
        .addIntegerOption((o) =>
          describe(o.setName('max_completions'), {
            en: 'At most this many completions',
            ko: '최대 완료 횟수',
          })
            .setMinValue(1)
            .setMaxValue(MAX_COMPLETIONS),
        ),
      ['required_role', 'min_account_days', 'min_member_days', 'verified_wallet'],
    )
      .addStringOption((o) =>
        describe(o.setName('prerequisite'), { en: 'A quest to complete first', ko: '먼저 완료할 퀘스트' })
          .setAutocomplete(true)
          .setMaxLength(100),
      )
      .addStringOption((o) =>
        describe(o.setName('badge'), {
          en: 'A shop badge it awards',
          ko: '완료 시 주는 상점 배지',
        }).setMaxLength(100),
      ),
  async execute({ interaction, services, provided, guildId, userId, t, locale }) {
    const o = interaction.options;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const quest = await createQuest(
      { client: interaction.client, services, provided },
      {
        guildId,
        moderatorId: userId,
        name: o.getString('name', true),
        sparks: o.getInteger('sparks', true),
        description: o.getString('description'),
        recurrence: o.getString('recurrence'),
        startsIn: o.getString('starts_in'),
        endsIn: o.getString('ends_in'),
        rewardRoleId: o.getRole('role')?.id ?? null,
        maxCompletions: o.getInteger('max_completions'),
        requiredRoleId: o.getRole('required_role')?.id ?? null,
        minAccountDays: o.getInteger('min_account_days'),
        minMemberDays: o.getInteger('min_member_days'),
        verifiedWallet: o.getBoolean('verified_wallet'),
        badge: o.getString('badge'),
        prerequisite: o.getString('prerequisite'),
      },
      locale,
    );
    await respond(interaction, {
      content: t('quest.created', { name: plain(quest.name, 100), reward: rewardText(t, quest) }),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => adminChoices(ctx, () => true),
};

/** `/sparks-admin quest step quest kind [message] [emoji] [channel] [role] [count] [volume_usd] [prompt] [answers] [attempts]`. */
export const questStep: Subcommand = {
  name: 'step',
  group: 'quest',
  description: {
    en: 'Add a step the bot verifies to a quest',
    ko: '봇이 확인하는 단계를 퀘스트에 추가합니다',
  },
  moderatorOnly: true,
  options: (b) =>
    questOption(b)
      .addStringOption((o) =>
        describe(o.setName('kind'), { en: 'What the member does', ko: '멤버가 할 일' })
          .setRequired(true)
          .addChoices(...QUEST_STEP_KINDS.map((k) => ({ name: k, value: k }))),
      )
      .addStringOption((o) =>
        describe(o.setName('message'), {
          en: 'reaction: message link, or id in this channel',
          ko: '반응: 메시지 링크 또는 이 채널의 ID',
        }).setMaxLength(200),
      )
      .addStringOption((o) =>
        describe(o.setName('emoji'), {
          en: 'reaction: the emoji, e.g. 🔥',
          ko: '반응: 이모지 (예: 🔥)',
        }).setMaxLength(100),
      )
      .addChannelOption((o) =>
        describe(o.setName('channel'), { en: 'message: where to post', ko: '메시지: 보낼 채널' }),
      )
      .addRoleOption((o) =>
        describe(o.setName('role'), { en: 'role: the role to hold', ko: '역할: 보유할 역할' }),
      )
      .addIntegerOption((o) =>
        describe(o.setName('count'), {
          en: 'message / referral: how many (default 1)',
          ko: '메시지 / 추천: 개수 (기본 1)',
        })
          .setMinValue(1)
          .setMaxValue(MAX_COUNT),
      )
      .addNumberOption((o) =>
        describe(o.setName('volume_usd'), {
          en: 'platform_trade: USD volume needed',
          ko: 'platform_trade: 필요한 USD 거래량',
        })
          .setMinValue(1)
          .setMaxValue(MAX_VOLUME_USD),
      )
      .addStringOption((o) =>
        describe(o.setName('prompt'), {
          en: 'quiz / submission: what to ask',
          ko: '퀴즈 / 제출: 질문',
        }).setMaxLength(MAX_PROMPT),
      )
      .addStringOption((o) =>
        describe(o.setName('answers'), {
          en: 'quiz: accepted answers, separated by |',
          ko: '퀴즈: 정답들, |로 구분',
        }).setMaxLength(1000),
      )
      .addIntegerOption((o) =>
        describe(o.setName('attempts'), {
          en: 'quiz: attempts per member (default 3)',
          ko: '퀴즈: 1인 시도 횟수 (기본 3)',
        })
          .setMinValue(1)
          .setMaxValue(MAX_ATTEMPTS),
      ),
  async execute({ interaction, services, provided, guildId, t }) {
    const o = interaction.options;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { quest, step } = await addQuestStep(
      { client: interaction.client, services, provided },
      {
        guildId,
        quest: o.getString('quest', true),
        kind: o.getString('kind', true),
        message: o.getString('message'),
        currentChannelId: interaction.channelId,
        emoji: o.getString('emoji'),
        channelId: o.getChannel('channel')?.id ?? null,
        roleId: o.getRole('role')?.id ?? null,
        count: o.getInteger('count'),
        volumeUsd: o.getNumber('volume_usd'),
        prompt: o.getString('prompt'),
        answers: o.getString('answers'),
        attempts: o.getInteger('attempts'),
      },
    );
    await respond(interaction, {
      content: t('quest.step_added', {
        n: step.position,
        name: plain(quest.name, 100),
        step: adminStepText(t, guildId, step),
      }),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => adminChoices(ctx, (q) => q.status === 'draft' || q.status === 'scheduled'),
};

/** A step as its builder sees it (a member's view with no progress; never the answers). */
function adminStepText(t: Translate, guildId: string, step: QuestStepRow): string {
  const line = stepLine(
    t,
    guildId,
    { step, progress: { value: 0, done: false, attempts: 0 }, submission: null },
    step.position,
  );
  return line.replace(/^\u2B1C \d+\. /, '');
}

/** `/sparks-admin quest publish quest`. */
export const questPublish: Subcommand = {
  name: 'publish',
  group: 'quest',
  description: {
    en: 'Open a draft quest to members (or schedule it)',
    ko: '초안 퀘스트를 멤버에게 엽니다 (또는 예약)',
  },
  moderatorOnly: true,
  options: questOption,
  async execute({ interaction, services, provided, guildId, userId, t }) {
    const quest = publishQuest(
      { client: interaction.client, services, provided },
      { guildId, quest: interaction.options.getString('quest', true), moderatorId: userId },
    );
    const name = plain(quest.name, 100);
    await respond(interaction, {
      content:
        quest.status === 'scheduled'
          ? t('quest.scheduled', { name, when: when(quest.startsAt ?? 0) })
          : t('quest.published', { name }),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => adminChoices(ctx, (q) => q.status === 'draft'),
};

/** `/sparks-admin quest end quest`. */
export const questEnd: Subcommand = {
  name: 'end',
  group: 'quest',
  description: { en: 'End a quest now', ko: '퀘스트를 지금 종료합니다' },
  moderatorOnly: true,
  options: questOption,
  async execute({ interaction, services, provided, guildId, userId, t }) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { quest, ended } = await endQuest(
      { client: interaction.client, services, provided },
      { guildId, quest: interaction.options.getString('quest', true), moderatorId: userId },
    );
    const name = plain(quest.name, 100);
    await respond(interaction, {
      content: ended
        ? t('quest.ended', { name, completions: quest.completions, granted: quest.granted })
        : t('quest.already_ended', { name }),
      ephemeral: true,
    });
  },
  autocomplete: (ctx) => adminChoices(ctx, (q) => q.status !== 'ended'),
};

/** `/sparks-admin quest list`: every quest with its state, steps and what waits for review. */
export const questList: Subcommand = {
  name: 'list',
  group: 'quest',
  description: { en: 'List quests', ko: '퀘스트 목록' },
  moderatorOnly: true,
  async execute({ interaction, services, guildId, t }) {
    const embed = new EmbedBuilder().setColor(QUEST_COLOR).setTitle(t('quest.admin.title'));
    const all = services.quests.list(guildId, 20);
    if (all.length === 0) embed.setDescription(t('quest.admin.empty'));
    for (const { quest, steps, pendingSubmissions } of all) {
      const lines = [
        t('quest.admin.line', {
          state: stateText(t, quest),
          reward: rewardText(t, quest),
          steps: steps.length,
          completions: quest.completions,
        }),
      ];
      if (quest.status === 'scheduled' && quest.startsAt)
        lines.push(t('quest.opens', { when: when(quest.startsAt) }));
      if (quest.endsAt && quest.status !== 'ended') lines.push(t('quest.ends', { when: when(quest.endsAt) }));
      if (pendingSubmissions > 0) lines.push(t('quest.admin.pending', { count: pendingSubmissions }));
      lines.push(
        steps
          .map((s) => t('quest.admin.step', { n: s.position, kind: t(`quest.kind.${s.kind}` as MessageKey) }))
          .join(' · '),
      );
      embed.addFields({
        name: clip(`${quest.name} (#${quest.id})`, 256),
        value: clip(lines.filter(Boolean).join('\n'), 1024),
      });
    }
    await respond(interaction, { embeds: [embed], ephemeral: true });
  },
};

// ---- the review queue ------------------------------------------------------------------

/** Items per page: each takes an action row of its own (Approve, Reject); the fifth row pages. */
const PAGE_SIZE = 4;

/** `/sparks-admin quest review`: pending submissions, oldest first, with Approve / Reject. */
export const questReview: Subcommand = {
  name: 'review',
  group: 'quest',
  description: {
    en: 'Quest submissions waiting for a moderator',
    ko: '모더레이터 검토를 기다리는 퀘스트 제출물',
  },
  moderatorOnly: true,
  async execute(ctx) {
    await respond(ctx.interaction, { ...renderQueue(ctx, 0), ephemeral: true });
  },
};

function checkModerator(ctx: Ctx<Interaction>, owner: string | undefined): void {
  if (owner !== ctx.userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
  // The queue message outlives a moderator's role: check again on every click.
  if (!isModerator(ctx.interaction, ctx.services.settings.get(ctx.guildId)))
    throw new SparksError('SPARKS.FORBIDDEN');
}

/**
 * Previous / Next / Refresh (`quest-queue:<owner>:<page>:<which>`), Approve
 * (`quest-review:<owner>:a:<id>:<page>`) and Reject, which asks for an optional reason in a
 * modal (`quest-review:<owner>:r:<id>:<page>` → `quest-reject:<owner>:<id>:<page>`).
 */
export const questQueuePage: ComponentHandler = {
  prefix: 'quest-queue',
  async execute(ctx, args) {
    const [owner, page = ''] = args;
    if (!ctx.interaction.isButton() || !/^\d+$/.test(page)) throw new SparksError('SPARKS.STALE_COMPONENT');
    checkModerator(ctx, owner);
    await ctx.interaction.update(renderQueue(ctx, Number(page)));
  },
};

export const questReviewButton: ComponentHandler = {
  prefix: 'quest-review',
  async execute(ctx, args) {
    const { interaction, t } = ctx;
    const [owner, action, id = '', page = '0'] = args;
    if (
      !interaction.isButton() ||
      (action !== 'a' && action !== 'r') ||
      !/^\d+$/.test(id) ||
      !/^\d+$/.test(page)
    )
      throw new SparksError('SPARKS.STALE_COMPONENT');
    checkModerator(ctx, owner);
    if (action === 'r') {
      const modal = new ModalBuilder()
        .setCustomId(`quest-reject:${ctx.userId}:${id}:${page}`)
        .setTitle(clip(t('quest.review.reason_title', { id }), 45))
        .addComponents(
          new ActionRowBuilder<TextInputBuilder>().addComponents(
            new TextInputBuilder()
              .setCustomId('reason')
              .setLabel(clip(t('quest.review.reason_label'), 45))
              .setStyle(TextInputStyle.Paragraph)
              .setRequired(false)
              .setMaxLength(MAX_REASON),
          ),
        );
      await interaction.showModal(modal);
      return;
    }
    await decide(ctx, Number(id), Number(page), 'approve', null);
  },
};

export const questRejectModal: ComponentHandler = {
  prefix: 'quest-reject',
  async execute(ctx, args) {
    const { interaction } = ctx;
    const [owner, id = '', page = '0'] = args;
    if (!interaction.isModalSubmit() || !/^\d+$/.test(id) || !/^\d+$/.test(page))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    checkModerator(ctx, owner);
    await decide(ctx, Number(id), Number(page), 'reject', interaction.fields.getTextInputValue('reason'));
  },
};

async function decide(
  ctx: Ctx<Interaction>,
  submissionId: number,
  page: number,
  decision: 'approve' | 'reject',
  reason: string | null,
): Promise<void> {
  const { interaction, services, provided, guildId, userId, t } = ctx;
  if (!interaction.isButton() && !interaction.isModalSubmit()) return;
  const result = await reviewSubmission(
    { client: interaction.client, services, provided },
    { guildId, submissionId, moderatorId: userId, decision, reason },
  );
  const params = { id: submissionId, member: `<@${result.submission.userId}>` };
  const note = [
    decision === 'approve' ? t('quest.review.approved', params) : t('quest.review.rejected', params),
    result.told ? t('quest.review.told') : t('quest.review.dm_closed'),
  ].join(' ');
  const view = renderQueue(ctx, page);
  if (interaction.isButton()) await interaction.update({ ...view, content: note });
  else if (interaction.isFromMessage()) await interaction.update({ ...view, content: note });
  else await respond(interaction, { ...view, content: note, ephemeral: true });
}

function renderQueue(ctx: Ctx<Interaction>, requested: number): ReplyPayload & { content: string } {
  const { services, guildId, userId, t } = ctx;
  let page = requested;
  let { items, total } = services.quests.pendingSubmissions(guildId, page * PAGE_SIZE, PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (items.length === 0 && page > 0) {
    page = pages - 1;
    ({ items, total } = services.quests.pendingSubmissions(guildId, page * PAGE_SIZE, PAGE_SIZE));
  }
  const embed = new EmbedBuilder().setColor(QUEST_COLOR).setTitle(t('quest.review.title', { total }));
  if (items.length === 0) embed.setDescription(t('quest.review.empty'));
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (const s of items) {
    const quest = services.quests.byId(s.questId);
    const step = quest ? services.quests.steps(quest.id).find((x) => x.id === s.stepId) : undefined;
    const lines = [t('quest.review.who', { member: `<@${s.userId}>`, when: when(s.createdAt) })];
    if (step?.prompt) lines.push(`> ${plain(step.prompt, 200)}`);
    lines.push(codeBlock(s.content));
    embed.addFields({
      name: clip(
        t('quest.review.item', { id: s.id, quest: quest?.name ?? `#${s.questId}`, n: step?.position ?? '?' }),
        256,
      ),
      value: clip(lines.join('\n'), 1024),
    });
    rows.push(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(`quest-review:${userId}:a:${s.id}:${page}`)
          .setLabel(t('quest.review.approve', { id: s.id }))
          .setStyle(ButtonStyle.Success),
        new ButtonBuilder()
          .setCustomId(`quest-review:${userId}:r:${s.id}:${page}`)
          .setLabel(t('quest.review.reject', { id: s.id }))
          .setStyle(ButtonStyle.Danger),
      ),
    );
  }
  if (pages > 1) embed.setFooter({ text: t('common.page', { page: page + 1, pages }) });
  const nav =
    pages > 1
      ? pageButtons(
          t,
          { id: `quest-queue:${userId}:${Math.max(0, page - 1)}:prev`, enabled: page > 0 },
          { id: `quest-queue:${userId}:${page + 1}:next`, enabled: page < pages - 1 },
        )
      : new ActionRowBuilder<ButtonBuilder>();
  nav.addComponents(
    new ButtonBuilder()
      .setCustomId(`quest-queue:${userId}:${page}:refresh`)
      .setLabel(t('quest.review.refresh'))
      .setStyle(ButtonStyle.Secondary),
  );
  rows.push(nav);
  return { content: '', embeds: [embed], components: rows };
}

/** A member's submission shown verbatim: no markdown, no mentions, no way out of the block. */
function codeBlock(text: string): string {
  return `\`\`\`\n${text.replace(/`/g, 'ˋ').slice(0, 800)}\n\`\`\``;
}
