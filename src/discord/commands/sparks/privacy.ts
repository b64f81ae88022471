import { SparksError } from '../../../core/errors.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

const CHOICES = ['shown', 'hidden'] as const;
type Choice = (typeof CHOICES)[number];
const NOTICES = ['dm', 'ephemeral'] as const;
type Notices = (typeof NOTICES)[number];

/**
 * `/sparks privacy [leaderboard:<shown|hidden>] [quest_notices:<dm|ephemeral>]`: whether the
 * web leaderboard names the caller (their rank stays either way, so the board still matches
 * Discord's), and whether a completed quest is announced by DM or privately in their next
 * quest reply. Without options, says what the settings are. The same service methods as the
 * web page. Always private.
 */
export const privacy: Subcommand = {
  name: 'privacy',
  description: {
    en: 'Your name on the web leaderboard; how quests are announced to you',
    ko: '웹 리더보드의 내 이름, 퀘스트 완료 알림 방식',
  },
  options: (b) =>
    b
      .addStringOption((o) =>
        describe(o.setName('leaderboard'), {
          en: 'Shown (default) or hidden: hidden shows “A member (hidden)” in your place',
          ko: '표시 (기본) 또는 숨김: 숨기면 내 자리에 “멤버 (숨김)”이 보입니다',
        }).addChoices(
          { name: 'Shown', name_localizations: { ko: '표시' }, value: 'shown' },
          { name: 'Hidden', name_localizations: { ko: '숨김' }, value: 'hidden' },
        ),
      )
      .addStringOption((o) =>
        describe(o.setName('quest_notices'), {
          en: 'Completed quests: by DM (default), or privately in your next quest reply',
          ko: '퀘스트 완료: DM (기본) 또는 다음 퀘스트 응답에서 비공개로',
        }).addChoices(
          { name: 'DM', name_localizations: { ko: 'DM' }, value: 'dm' },
          { name: 'Private reply', name_localizations: { ko: '비공개 응답' }, value: 'ephemeral' },
        ),
      ),
  async execute({ interaction, services, guildId, userId, t }) {
    const choice = interaction.options.getString('leaderboard') as Choice | null;
    const notices = interaction.options.getString('quest_notices') as Notices | null;
    if (choice !== null && !CHOICES.includes(choice))
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'leaderboard' });
    if (notices !== null && !NOTICES.includes(notices))
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'quest_notices' });
    const lines: string[] = [];
    if (choice === null && notices === null) {
      const hidden = services.members.leaderboardHidden(guildId, userId);
      lines.push(t(hidden ? 'privacy.state_hidden' : 'privacy.state_shown'));
      const dm = services.members.questNotices(guildId, userId) === 'dm';
      lines.push(t(dm ? 'privacy.quests_dm' : 'privacy.quests_ephemeral'));
    }
    if (choice !== null) {
      services.members.setLeaderboardHidden(guildId, userId, choice === 'hidden');
      lines.push(t(choice === 'hidden' ? 'privacy.now_hidden' : 'privacy.now_shown'));
    }
    if (notices !== null) {
      services.members.setQuestNotices(guildId, userId, notices);
      lines.push(t(notices === 'dm' ? 'privacy.quests_now_dm' : 'privacy.quests_now_ephemeral'));
    }
    await respond(interaction, { content: lines.join('\n'), ephemeral: true });
  },
};
