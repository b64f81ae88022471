import type { SlashCommandSubcommandBuilder } from 'discord.js';
import { describe } from './build.ts';

type Builder = SlashCommandSubcommandBuilder;

/** `required_role` and `min_account_days`, the gates (SPEC §11) raffles and quests share, worded once. */
export function gateOptions(b: Builder, options: { memberDays?: boolean } = {}): Builder {
  b.addRoleOption((o) =>
    describe(o.setName('required_role'), { en: 'Only members with this role', ko: '이 역할이 있는 멤버만' }),
  ).addIntegerOption((o) =>
    describe(o.setName('min_account_days'), {
      en: 'Only Discord accounts at least this many days old',
      ko: '이 일수 이상 된 Discord 계정만',
    })
      .setMinValue(0)
      .setMaxValue(3650),
  );
  if (options.memberDays)
    b.addIntegerOption((o) =>
      describe(o.setName('min_member_days'), {
        en: 'Only members who joined this many days ago',
        ko: '서버 가입 후 이 일수 이상 된 멤버만',
      })
        .setMinValue(0)
        .setMaxValue(3650),
    );
  return b;
}
