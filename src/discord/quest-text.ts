/**
 * How quests read in Discord: a quest's reward, each step with the member's progress, the
 * announcement of a completion and of a review's decision. Shared by the quest commands
 * and the quests plugin (which DMs). A quiz's accepted answers are never part of any text.
 */
import { escapeMarkdown, messageLink } from 'discord.js';
import type { QuestAnnouncement, QuestRow, QuestSubmissionRow, StepView } from '../quests/quests.ts';
import type { Translate } from './i18n/index.ts';

/** Text someone typed, shown as typed (replies never ping: allowed mentions are empty). */
export function plain(text: string, max = 200): string {
  return escapeMarkdown(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

export function rewardText(t: Translate, q: Pick<QuestRow, 'sparks' | 'rewardRoleId'>): string {
  return q.rewardRoleId
    ? t('quest.reward_role', { sparks: q.sparks, roleId: q.rewardRoleId })
    : t('quest.reward', { sparks: q.sparks });
}

const usd = (cents: number) => (cents / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });

/** One step as a line: a tick, what to do, the member's count so far and where a submission stands. */
export function stepLine(t: Translate, guildId: string, view: StepView, n: number): string {
  const { step, progress } = view;
  const tick = progress.done ? '✅' : '⬜';
  let what: string;
  switch (step.kind) {
    case 'platform_trade':
      what = t('quest.step.platform_trade', { usd: usd(step.volumeCents ?? 0), have: usd(progress.value) });
      break;
    case 'platform_subscription':
      what = t('quest.step.platform_subscription');
      break;
    case 'platform_referral':
      what = t('quest.step.platform_referral', { count: step.count ?? 1, have: progress.value });
      break;
    case 'reaction':
      what = t('quest.step.reaction', {
        emoji: step.emojiDisplay ?? '',
        link: messageLink(step.channelId ?? '', step.messageId ?? '', guildId),
      });
      break;
    case 'message':
      what = t('quest.step.message', {
        count: step.count ?? 1,
        channelId: step.channelId ?? '',
        have: Math.min(progress.value, step.count ?? 1),
      });
      break;
    case 'role':
      what = t('quest.step.role', { roleId: step.roleId ?? '' });
      break;
    case 'submission':
      what = step.prompt
        ? t('quest.step.submission', { prompt: plain(step.prompt) })
        : t('quest.step.submission_default');
      break;
    case 'quiz':
      what = t('quest.step.quiz', {
        prompt: plain(step.prompt ?? ''),
        left: Math.max(0, (step.attempts ?? 1) - progress.attempts),
      });
      break;
  }
  let line = `${tick} ${n}. ${what}`;
  const sub = view.submission;
  if (!progress.done && sub?.status === 'pending') line += ` · ${t('quest.step.pending')}`;
  if (!progress.done && sub?.status === 'rejected')
    line += ` · ${sub.reason ? t('quest.step.rejected', { reason: plain(sub.reason) }) : t('quest.step.rejected_plain')}`;
  return line;
}

/** A completion, as the member is told it (by DM with the server's name, or in a reply). */
export function noticeText(t: Translate, c: QuestAnnouncement, guildName: string | null): string {
  const reward = rewardText(t, { sparks: c.sparks, rewardRoleId: c.rewardRoleId });
  return guildName === null
    ? t('quest.notice.reply', { name: plain(c.questName, 100), reward })
    : t('quest.notice.dm', { name: plain(c.questName, 100), reward, guild: plain(guildName, 100) });
}

/** A review's decision, as the member is told it. */
export function decisionText(
  t: Translate,
  s: Pick<QuestSubmissionRow, 'status' | 'reason'>,
  questName: string,
  guildName: string | null,
): string {
  const name = plain(questName, 100);
  const text =
    s.status === 'approved'
      ? t('quest.decision.approved', { name })
      : s.reason
        ? t('quest.decision.rejected_reason', { name, reason: plain(s.reason, 300) })
        : t('quest.decision.rejected', { name });
  return guildName === null
    ? text
    : `${text} ${t('quest.decision.in_guild', { guild: plain(guildName, 100) })}`;
}
