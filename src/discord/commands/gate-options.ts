/**
 * The gate options (SPEC §11) as `/sparks-admin campaign start`, `raffle start` and
 * `reward add|edit` offer them, with one wording: `required_role`, `min_member_days`,
 * `min_account_days`, `verified_wallet`. Each command adds the ones it lacks already.
 */
import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import { MAX_GATE_DAYS } from '../../members/gates.ts';
import { describe } from './build.ts';

export type GateOption = 'required_role' | 'min_member_days' | 'min_account_days' | 'verified_wallet';

export function addGateOptions(
  b: SlashCommandSubcommandBuilder,
  which: readonly GateOption[],
): SlashCommandSubcommandBuilder {
  for (const name of which) {
    switch (name) {
      case 'required_role':
        b.addRoleOption((o) =>
          describe(o.setName(name), { en: 'Only members with this role', ko: '이 역할이 있는 멤버만' }),
        );
        break;
      case 'min_member_days':
        b.addIntegerOption((o) =>
          describe(o.setName(name), {
            en: 'Only members here at least this many days',
            ko: '이 서버에 이 일수 이상 있은 멤버만',
          })
            .setMinValue(0)
            .setMaxValue(MAX_GATE_DAYS),
        );
        break;
      case 'min_account_days':
        b.addIntegerOption((o) =>
          describe(o.setName(name), {
            en: 'Only Discord accounts at least this many days old',
            ko: '이 일수 이상 된 Discord 계정만',
          })
            .setMinValue(0)
            .setMaxValue(MAX_GATE_DAYS),
        );
        break;
      case 'verified_wallet':
        b.addBooleanOption((o) =>
          describe(o.setName(name), {
            en: 'Only members who linked a wallet on the website',
            ko: '웹사이트에서 지갑을 연결한 멤버만',
          }),
        );
        break;
    }
  }
  return b;
}

/** The gate options given (undefined: not given, so an edit keeps the current value). */
export function readGateOptions(interaction: ChatInputCommandInteraction): {
  requiredRoleId: string | undefined;
  minMemberDays: number | undefined;
  minAccountDays: number | undefined;
  verifiedWallet: boolean | undefined;
} {
  const o = interaction.options;
  return {
    requiredRoleId: o.getRole('required_role')?.id,
    minMemberDays: o.getInteger('min_member_days') ?? undefined,
    minAccountDays: o.getInteger('min_account_days') ?? undefined,
    verifiedWallet: o.getBoolean('verified_wallet') ?? undefined,
  };
}
