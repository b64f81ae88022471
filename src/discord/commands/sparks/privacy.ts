import { SparksError } from '../../../core/errors.ts';
import { respond } from '../../reply.ts';
import type { Subcommand } from '../../types.ts';
import { describe } from '../build.ts';

const CHOICES = ['shown', 'hidden'] as const;
type Choice = (typeof CHOICES)[number];

/**
 * `/sparks privacy [leaderboard:<shown|hidden>]`: whether the web leaderboard names the
 * caller (their rank stays either way, so the board still matches Discord's). Without the
 * option, says what the setting is. The same service method as the toggle on the web page.
 * Always private.
 */
export const privacy: Subcommand = {
  name: 'privacy',
  description: {
    en: 'Choose whether the web leaderboard shows your name',
    ko: '웹 리더보드에 내 이름을 표시할지 정합니다',
  },
  options: (b) =>
    b.addStringOption((o) =>
      describe(o.setName('leaderboard'), {
        en: 'Shown (default) or hidden: hidden shows “A member (hidden)” in your place',
        ko: '표시 (기본) 또는 숨김: 숨기면 내 자리에 “멤버 (숨김)”이 보입니다',
      }).addChoices(
        { name: 'Shown', name_localizations: { ko: '표시' }, value: 'shown' },
        { name: 'Hidden', name_localizations: { ko: '숨김' }, value: 'hidden' },
      ),
    ),
  async execute({ interaction, services, guildId, userId, t }) {
    const choice = interaction.options.getString('leaderboard') as Choice | null;
    if (choice !== null && !CHOICES.includes(choice))
      throw new SparksError('SPARKS.INVALID_INPUT', { field: 'leaderboard' });
    if (choice === null) {
      const hidden = services.members.leaderboardHidden(guildId, userId);
      await respond(interaction, {
        content: t(hidden ? 'privacy.state_hidden' : 'privacy.state_shown'),
        ephemeral: true,
      });
      return;
    }
    services.members.setLeaderboardHidden(guildId, userId, choice === 'hidden');
    await respond(interaction, {
      content: t(choice === 'hidden' ? 'privacy.now_hidden' : 'privacy.now_shown'),
      ephemeral: true,
    });
  },
};
