import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import type { MemberFacts, QuestRow, QuestView } from '../../../quests/quests.ts';
import { MAX_ANSWER, MAX_SUBMISSION } from '../../../quests/steps.ts';
import { sparksErrorText, type Locale, type Translate } from '../../i18n/index.ts';
import { memberJoinedAt, memberRoleIds } from '../../permissions.ts';
import { decisionText, noticeText, plain, rewardText, stepLine } from '../../quest-text.ts';
import { respond } from '../../reply.ts';
import { clip } from '../../season-text.ts';
import type { ComponentHandler, Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { QUEST_COLOR } from '../sparks-admin/quest.ts';

const when = (at: number) => `<t:${Math.floor(at / 1000)}:R>`;

/** The caller's facts for gates and role steps, from the interaction. */
export function memberFacts(ctx: Ctx<Interaction>): MemberFacts {
  const { interaction, userId } = ctx;
  return { userId, roleIds: memberRoleIds(interaction), joinedAt: memberJoinedAt(interaction) };
}

/**
 * What the member was not told yet (completions they chose to see here, or whose DM could
 * not be sent; decisions on their submissions), as lines for the top of a quest reply.
 * Reading them counts as telling.
 */
function notices(ctx: Ctx<Interaction>): string[] {
  const { services, guildId, userId, t } = ctx;
  const lines = services.quests.takeReplyNotices(guildId, userId).map((c) => noticeText(t, c, null));
  for (const s of services.quests.untoldDecisions(guildId, userId)) {
    lines.push(decisionText(t, s, services.quests.byId(s.questId)?.name ?? '', null));
    services.quests.markSubmissionNotified(s.id);
  }
  return lines;
}

function headline(t: Translate, v: QuestView): string {
  const parts = [rewardText(t, v.quest)];
  if (v.quest.recurrence !== 'once' && v.resetsAt !== null)
    parts.push(
      t(v.quest.recurrence === 'daily' ? 'quest.daily' : 'quest.weekly', { when: when(v.resetsAt) }),
    );
  if (v.quest.endsAt !== null) parts.push(t('quest.ends', { when: when(v.quest.endsAt) }));
  return parts.join(' · ');
}

function statusLine(t: Translate, locale: Locale, v: QuestView): string | null {
  if (v.completion)
    return t(v.quest.recurrence === 'once' ? 'quest.status.done' : 'quest.status.done_period');
  if (v.locked) return t('quest.status.locked', { name: plain(v.locked.name, 100) });
  if (v.refusal) return `🚫 ${sparksErrorText(locale, v.refusal)}`;
  return null;
}

/** `/sparks quests`: the open quests with the caller's progress, steps ticked. */
export const quests: Subcommand = {
  name: 'quests',
  description: { en: 'Open quests and your progress', ko: '열린 퀘스트와 내 진행 상황' },
  async execute(ctx) {
    const { interaction, services, guildId, userId, t, locale } = ctx;
    const facts = memberFacts(ctx);
    services.quests.evaluate(guildId, userId, facts);
    const told = notices(ctx);
    const open = services.quests.openQuests(guildId);
    const embed = new EmbedBuilder().setColor(QUEST_COLOR).setTitle(t('quest.list.title'));
    if (open.length === 0) embed.setDescription(t('quest.list.empty'));
    for (const quest of open.slice(0, 10)) {
      const v = services.quests.view(guildId, userId, quest, facts);
      const done = v.steps.filter((s) => s.progress.done).length;
      const status = statusLine(t, locale, v) ?? t('quest.status.progress', { done, total: v.steps.length });
      const lines = [headline(t, v), status, ...v.steps.map((s, i) => stepLine(t, guildId, s, i + 1))];
      embed.addFields({ name: clip(quest.name, 256), value: clip(lines.join('\n'), 1024) });
    }
    if (open.length > 0) embed.setFooter({ text: t('quest.list.footer') });
    await respond(interaction, { content: told.join('\n'), embeds: [embed], ephemeral: true });
  },
};

/** `/sparks quest quest`: one quest's steps, with buttons for the quiz and submission steps. */
export const quest: Subcommand = {
  name: 'quest',
  description: {
    en: 'One quest: its steps, answer or submit',
    ko: '퀘스트 하나: 단계 보기, 답하기, 제출하기',
  },
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('quest'), { en: 'Which quest (start typing)', ko: '퀘스트 (입력해서 찾기)' })
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(100),
    ),
  async execute(ctx) {
    const { interaction, services, guildId, userId } = ctx;
    const found = services.quests.find(guildId, interaction.options.getString('quest', true));
    // A draft or a quest scheduled for later does not exist for members.
    if (found.status === 'draft' || found.status === 'scheduled')
      throw new SparksError('SPARKS.QUEST_NOT_FOUND', { name: interaction.options.getString('quest', true) });
    services.quests.evaluate(guildId, userId, memberFacts(ctx), [found.id]);
    await respond(interaction, { ...renderQuest(ctx, found, notices(ctx)), ephemeral: true });
  },
  async autocomplete({ interaction, services, guildId, userId }) {
    const typed = interaction.options.getFocused().toLowerCase();
    const choices = services.quests
      .openQuests(guildId)
      .filter((q) => q.nameKey.includes(typed))
      .slice(0, 25)
      .map((q) => {
        const done = services.quests.view(guildId, userId, q).completion !== null;
        return { name: clip(`${done ? '✅ ' : ''}${q.name}`, 100), value: String(q.id) };
      });
    await interaction.respond(choices);
  },
};

function renderQuest(ctx: Ctx<Interaction>, q: QuestRow, lead: string[]) {
  const { services, guildId, userId, t, locale } = ctx;
  const v = services.quests.view(guildId, userId, q, memberFacts(ctx));
  const embed = new EmbedBuilder()
    .setColor(QUEST_COLOR)
    .setTitle(clip(q.name, 256))
    .setDescription(
      clip(
        [
          q.description ? plain(q.description, 500) : '',
          headline(t, v),
          v.open ? statusLine(t, locale, v) : t('quest.view.closed'),
          '',
          ...v.steps.map((s, i) => stepLine(t, guildId, s, i + 1)),
        ]
          .filter((l) => l !== null)
          .join('\n')
          .trim(),
        4096,
      ),
    );
  const buttons =
    v.open && !v.completion && !v.locked && !v.refusal
      ? v.steps
          .map((s, i) => ({ s, n: i + 1 }))
          .filter(({ s }) => (s.step.kind === 'quiz' || s.step.kind === 'submission') && !s.progress.done)
          .filter(({ s }) => s.submission?.status !== 'pending')
          .filter(({ s }) => s.step.kind !== 'quiz' || s.progress.attempts < (s.step.attempts ?? 1))
          .slice(0, 5)
          .map(({ s, n }) =>
            new ButtonBuilder()
              .setCustomId(`quest-step:${userId}:${q.id}:${s.step.id}:${n}`)
              .setLabel(t(s.step.kind === 'quiz' ? 'quest.button.quiz' : 'quest.button.submission', { n }))
              .setStyle(ButtonStyle.Primary),
          )
      : [];
  const components =
    buttons.length > 0 ? [new ActionRowBuilder<ButtonBuilder>().addComponents(...buttons)] : [];
  return { content: lead.join('\n'), embeds: [embed], components };
}

/** The button of a quiz or submission step: `quest-step:<owner>:<quest>:<step>:<n>` → its modal. */
export const questStepButton: ComponentHandler = {
  prefix: 'quest-step',
  async execute(ctx, args) {
    const { interaction, services, guildId, userId, t } = ctx;
    const [owner, questId = '', stepId = '', n = '1'] = args;
    if (!interaction.isButton() || !/^\d+$/.test(questId) || !/^\d+$/.test(stepId) || !/^\d+$/.test(n))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    if (owner !== userId) throw new SparksError('SPARKS.NOT_YOUR_COMPONENT');
    const quest = services.quests.byId(Number(questId));
    const step =
      quest && quest.guildId === guildId
        ? services.quests.steps(quest.id).find((s) => s.id === Number(stepId))
        : undefined;
    if (!step || (step.kind !== 'quiz' && step.kind !== 'submission'))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    const quiz = step.kind === 'quiz';
    const modal = new ModalBuilder()
      .setCustomId(`quest-modal:${questId}:${stepId}`)
      .setTitle(clip(t(quiz ? 'quest.modal.quiz' : 'quest.modal.submission', { n }), 45))
      .addComponents(
        new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder()
            .setCustomId('text')
            .setLabel(clip(t(quiz ? 'quest.modal.answer_label' : 'quest.modal.submission_label'), 45))
            .setPlaceholder(clip(step.prompt ?? '', 100) || ' ')
            .setStyle(quiz ? TextInputStyle.Short : TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(quiz ? MAX_ANSWER * 2 : MAX_SUBMISSION),
        ),
      );
    await interaction.showModal(modal);
  },
};

/** The quiz answer or the submission: `quest-modal:<quest>:<step>`. */
export const questModal: ComponentHandler = {
  prefix: 'quest-modal',
  async execute(ctx, args) {
    const { interaction, services, guildId, userId, t } = ctx;
    const [questId = '', stepId = ''] = args;
    if (!interaction.isModalSubmit() || !/^\d+$/.test(questId) || !/^\d+$/.test(stepId))
      throw new SparksError('SPARKS.STALE_COMPONENT');
    const text = interaction.fields.getTextInputValue('text');
    const facts = memberFacts(ctx);
    const q = services.quests.byId(Number(questId));
    const step = q ? services.quests.steps(q.id).find((s) => s.id === Number(stepId)) : undefined;
    if (!q || q.guildId !== guildId || !step) throw new SparksError('SPARKS.STALE_COMPONENT');
    let line: string;
    if (step.kind === 'quiz') {
      const r = services.quests.answer({
        guildId,
        questId: q.id,
        stepId: step.id,
        userId,
        answer: text,
        facts,
      });
      line = r.already
        ? t('quest.answer.already')
        : r.correct
          ? t('quest.answer.right')
          : r.attemptsLeft > 0
            ? t('quest.answer.wrong', { left: r.attemptsLeft })
            : t('quest.answer.wrong_last');
      // Completed here: said here (a member who chose DMs gets one too, from the announcer).
      if (r.completed && services.members.questNotices(guildId, userId) === 'dm')
        line += `\n${t('quest.completed', { name: plain(q.name, 100), reward: rewardText(t, q) })}`;
    } else {
      services.quests.submit({ guildId, questId: q.id, stepId: step.id, userId, content: text, facts });
      line = t('quest.submitted');
    }
    const lead = [line, ...notices(ctx)];
    const view = renderQuest(ctx, services.quests.byId(q.id)!, lead);
    if (interaction.isFromMessage()) await interaction.update(view);
    else await respond(interaction, { ...view, ephemeral: true });
  },
};
