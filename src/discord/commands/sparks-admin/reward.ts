import {
  EmbedBuilder,
  MessageFlags,
  type APIApplicationCommandOptionChoice,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { SparksError } from '../../../core/errors.ts';
import { REWARD_KINDS, type RewardKind } from '../../../db/schema.ts';
import { INPUT_KINDS, isInputKind, type InputKind } from '../../../shop/input.ts';
import { REWARD_OPTIONS as O } from '../../../shop/options.ts';
import {
  durationFromText,
  type RewardFields,
  type RewardPatch,
  type RewardRow,
} from '../../../shop/rewards.ts';
import type { MessageKey, Translate } from '../../i18n/index.ts';
import { respond } from '../../reply.ts';
import { checkGrantable } from '../../roles.ts';
import { inputLabel, localizeShopError, roleUnsafe } from '../../shop.ts';
import type { Ctx, Subcommand } from '../../types.ts';
import { describe } from '../build.ts';
import { addGateOptions, readGateOptions } from '../gate-options.ts';
import { REQUIRED_WALLET_KINDS, isRequiredWallet, type RequiredWallet } from '../../../wallets/wallets.ts';
import { rewardLines } from '../sparks/shop.ts';
import { SPARKS_COLOR } from '../sparks/balance.ts';

type Choice = APIApplicationCommandOptionChoice<string>;
const choice = (value: string, en: string, ko: string): Choice => ({
  name: en,
  name_localizations: { ko },
  value,
});

const KIND_NAMES: Record<RewardKind, [en: string, ko: string]> = {
  role: ['Role (granted at once)', '역할 (즉시 지급)'],
  badge: ['Badge (shown on the profile)', '배지 (프로필에 표시)'],
  manual: ['Manual (moderators handle it)', '수동 (모더레이터가 처리)'],
  streak_freeze: ['Streak freeze (covers a missed day)', '스트릭 프리즈 (놓친 하루를 보호)'],
};
const INPUT_KIND_NAMES: Record<InputKind, [en: string, ko: string]> = {
  text: ['Free text (up to 200 characters)', '자유 텍스트 (최대 200자)'],
  evm_address: ['EVM wallet address', 'EVM 지갑 주소'],
  solana_address: ['Solana wallet address', 'Solana 지갑 주소'],
  wallet: ['Wallet address (EVM or Solana)', '지갑 주소 (EVM 또는 Solana)'],
  message_link: ['Discord message link', 'Discord 메시지 링크'],
};
// The domain's lists decide which choices exist and in what order; only their words live here.
const KINDS: Choice[] = REWARD_KINDS.map((k) => choice(k, ...KIND_NAMES[k]));
const INPUT_KIND_CHOICES: Choice[] = INPUT_KINDS.map((k) => choice(k, ...INPUT_KIND_NAMES[k]));
const WALLET_NAMES: Record<RequiredWallet, [en: string, ko: string]> = {
  any: ['Any linked wallet (the newest)', '연결된 아무 지갑 (가장 최근)'],
  evm: ['A linked EVM wallet', '연결된 EVM 지갑'],
  solana: ['A linked Solana wallet', '연결된 Solana 지갑'],
};
const WALLET_CHOICES: Choice[] = REQUIRED_WALLET_KINDS.map((k) => choice(k, ...WALLET_NAMES[k]));
const CLEARABLE: Choice[] = [
  choice('description', 'description', '설명'),
  choice('stock', 'stock (unlimited)', '재고 (무제한)'),
  choice('per_member_limit', 'per-member limit (none)', '1인당 한도 (없음)'),
  choice('duration', 'duration (permanent role)', '기간 (영구 역할)'),
  choice('input', 'input (ask for nothing)', '입력 (요청 안 함)'),
  choice('required_role', 'required role (none)', '필요 역할 (없음)'),
  choice('requires_wallet', 'requires wallet (none)', '지갑 요구 (없음)'),
  choice('role', 'role (badges only)', '역할 (배지만)'),
];

/** The optional fields `add` and `edit` share, in Discord's order (required options first). */
function fieldOptions(b: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return b
    .addRoleOption((o) =>
      describe(o.setName('role'), {
        en: 'Role to grant (badges: optional)',
        ko: '지급할 역할 (역할 보상, 배지는 선택)',
      }),
    )
    .addStringOption((o) =>
      describe(o.setName('description'), {
        en: 'Shown in the shop',
        ko: '상점에 표시되는 설명',
      }).setMaxLength(O.description.maxLength),
    )
    .addIntegerOption((o) =>
      describe(o.setName('stock'), {
        en: 'How many are on offer (default unlimited)',
        ko: '재고 수량 (기본 무제한)',
      })
        .setMinValue(O.stock.min)
        .setMaxValue(O.stock.max),
    )
    .addIntegerOption((o) =>
      describe(o.setName('per_member_limit'), {
        en: 'How many each member may redeem',
        ko: '멤버 1인당 교환 가능 횟수',
      })
        .setMinValue(O.per_member_limit.min)
        .setMaxValue(O.per_member_limit.max),
    )
    .addStringOption((o) =>
      describe(o.setName('duration'), {
        en: 'How long the role lasts (12h, 7d, 1d 12h)',
        ko: '역할 보상: 역할 유지 기간 (예: 12h, 7d, 1d 12h)',
      }).setMaxLength(O.duration.maxLength),
    )
    .addStringOption((o) =>
      describe(o.setName('input_label'), {
        en: 'Manual rewards: what to ask the member for',
        ko: '수동 보상: 멤버에게 요청할 입력 안내',
      }).setMaxLength(O.input_label.maxLength),
    )
    .addStringOption((o) =>
      describe(o.setName('input_kind'), {
        en: 'Manual rewards: how the input is checked',
        ko: '수동 보상: 입력 검사 방식',
      }).addChoices(...INPUT_KIND_CHOICES),
    )
    .addRoleOption((o) =>
      describe(o.setName('required_role'), {
        en: 'Only members with this role may redeem',
        ko: '이 역할이 있는 멤버만 교환 가능',
      }),
    );
}

/** The gates and the wallet a manual reward fills in: after every other option (Discord's order). */
function walletOptions(b: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return addGateOptions(b, ['min_member_days', 'min_account_days', 'verified_wallet']).addStringOption((o) =>
    describe(o.setName('requires_wallet'), {
      en: 'Manual rewards: fill in the member’s wallet',
      ko: '수동 보상: 멤버가 연결한 지갑 주소를 모더레이터에게 표시',
    }).addChoices(...WALLET_CHOICES),
  );
}

const rewardOption = (b: SlashCommandSubcommandBuilder) =>
  b.addStringOption((o) =>
    describe(o.setName('reward'), { en: 'Which reward (start typing)', ko: '보상 (입력해서 찾기)' })
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(100),
  );

/** `/sparks-admin reward add`. */
export const rewardAdd: Subcommand = {
  name: 'add',
  group: 'reward',
  description: { en: 'Add a reward to the shop', ko: '상점에 보상을 추가합니다' },
  moderatorOnly: true,
  options: (b) =>
    walletOptions(
      fieldOptions(
        b
          .addStringOption((o) =>
            describe(o.setName('name'), { en: 'Name shown in the shop', ko: '상점에 표시되는 이름' })
              .setRequired(true)
              .setMaxLength(O.name.maxLength),
          )
          .addIntegerOption((o) =>
            describe(o.setName('cost'), { en: 'Price in Sparks', ko: 'Sparks 가격' })
              .setRequired(true)
              .setMinValue(O.cost.min)
              .setMaxValue(O.cost.max),
          )
          .addStringOption((o) =>
            describe(o.setName('kind'), { en: 'What the member gets', ko: '멤버가 받는 것' })
              .setRequired(true)
              .addChoices(...KINDS),
          ),
      ),
    ),
  async execute(ctx) {
    const { interaction, services, guildId, userId, t } = ctx;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const o = interaction.options;
    const gates = readGateOptions(interaction);
    const fields: RewardFields = {
      name: o.getString('name', true),
      cost: o.getInteger('cost', true),
      kind: o.getString('kind', true) as RewardFields['kind'],
      roleId: o.getRole('role')?.id ?? null,
      description: o.getString('description'),
      stock: o.getInteger('stock'),
      perMemberLimit: o.getInteger('per_member_limit'),
      durationSeconds: durationOption(interaction, t),
      inputLabel: o.getString('input_label'),
      inputKind: inputKindOption(interaction),
      requiredRoleId: o.getRole('required_role')?.id ?? null,
      minMemberDays: gates.minMemberDays ?? null,
      minAccountDays: gates.minAccountDays ?? null,
      verifiedWallet: gates.verifiedWallet ?? false,
      requiresWallet: walletOption(interaction),
    };
    if (fields.roleId && fields.kind !== 'manual') await checkRole(ctx, fields.roleId);
    let reward: RewardRow;
    try {
      reward = services.rewards.add(guildId, userId, fields);
    } catch (e) {
      throw localizeShopError(e, t);
    }
    await respond(interaction, {
      content: t('shop.admin.added', { name: reward.name }),
      embeds: [summary(t, reward)],
      ephemeral: true,
    });
  },
};

/** `/sparks-admin reward edit`: only the options given change; `clear` resets one. */
export const rewardEdit: Subcommand = {
  name: 'edit',
  group: 'reward',
  description: { en: 'Change a reward', ko: '보상을 수정합니다' },
  moderatorOnly: true,
  autocomplete: autocompleteReward,
  options: (b) =>
    walletOptions(
      fieldOptions(
        rewardOption(b)
          .addStringOption((o) =>
            describe(o.setName('name'), { en: 'New name', ko: '새 이름' }).setMaxLength(O.name.maxLength),
          )
          .addIntegerOption((o) =>
            describe(o.setName('cost'), { en: 'New price in Sparks', ko: '새 Sparks 가격' })
              .setMinValue(O.cost.min)
              .setMaxValue(O.cost.max),
          ),
      ),
    )
      .addBooleanOption((o) =>
        describe(o.setName('enabled'), {
          en: 'On sale (turn back on after fixing a paused reward)',
          ko: '판매 여부 (일시 중지된 보상을 고친 뒤 다시 켜기)',
        }),
      )
      .addStringOption((o) =>
        describe(o.setName('clear'), {
          en: 'Reset one optional field',
          ko: '선택 항목 하나 초기화',
        }).addChoices(...CLEARABLE),
      ),
  async execute(ctx) {
    const { interaction, services, guildId, userId, t } = ctx;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const current = services.rewards.find(guildId, interaction.options.getString('reward', true));
    const o = interaction.options;
    const patch: RewardPatch = {};
    const name = o.getString('name');
    if (name !== null) patch.name = name;
    const cost = o.getInteger('cost');
    if (cost !== null) patch.cost = cost;
    const role = o.getRole('role');
    if (role) patch.roleId = role.id;
    const description = o.getString('description');
    if (description !== null) patch.description = description;
    const stock = o.getInteger('stock');
    if (stock !== null) patch.stock = stock;
    const limit = o.getInteger('per_member_limit');
    if (limit !== null) patch.perMemberLimit = limit;
    const duration = durationOption(interaction, t);
    if (duration !== null) patch.durationSeconds = duration;
    const label = o.getString('input_label');
    if (label !== null) patch.inputLabel = label;
    const inputKind = inputKindOption(interaction);
    if (inputKind !== null) patch.inputKind = inputKind;
    const required = o.getRole('required_role');
    if (required) patch.requiredRoleId = required.id;
    const enabled = o.getBoolean('enabled');
    if (enabled !== null) patch.enabled = enabled;
    const gates = readGateOptions(interaction);
    if (gates.minMemberDays !== undefined) patch.minMemberDays = gates.minMemberDays;
    if (gates.minAccountDays !== undefined) patch.minAccountDays = gates.minAccountDays;
    if (gates.verifiedWallet !== undefined) patch.verifiedWallet = gates.verifiedWallet;
    const wallet = walletOption(interaction);
    if (wallet !== null) patch.requiresWallet = wallet;
    switch (o.getString('clear') ?? '') {
      case 'description':
        patch.description = null;
        break;
      case 'stock':
        patch.stock = null;
        break;
      case 'per_member_limit':
        patch.perMemberLimit = null;
        break;
      case 'duration':
        patch.durationSeconds = null;
        break;
      case 'input':
        patch.inputLabel = null;
        patch.inputKind = null;
        break;
      case 'required_role':
        patch.requiredRoleId = null;
        break;
      case 'requires_wallet':
        patch.requiresWallet = null;
        break;
      case 'role':
        patch.roleId = null;
        break;
    }
    if (Object.keys(patch).length === 0) {
      await respond(interaction, { content: t('shop.admin.nothing'), ephemeral: true });
      return;
    }
    // A new role, or turning a reward back on, is checked against Discord as it is now.
    const roleId = patch.roleId === undefined ? current.roleId : patch.roleId;
    if (roleId && (patch.roleId !== undefined || patch.enabled === true)) await checkRole(ctx, roleId);
    let reward: RewardRow;
    try {
      reward = services.rewards.edit(guildId, current.id, userId, patch);
    } catch (e) {
      throw localizeShopError(e, t);
    }
    await respond(interaction, {
      content: t('shop.admin.edited', { name: reward.name }),
      embeds: [summary(t, reward)],
      ephemeral: true,
    });
  },
};

/** `/sparks-admin reward remove`: off the shop for good; its history stays. */
export const rewardRemove: Subcommand = {
  name: 'remove',
  group: 'reward',
  description: {
    en: 'Remove a reward from the shop (its history is kept)',
    ko: '상점에서 보상을 삭제합니다 (내역은 유지)',
  },
  moderatorOnly: true,
  autocomplete: autocompleteReward,
  options: rewardOption,
  async execute({ interaction, services, guildId, userId, t }) {
    const current = services.rewards.find(guildId, interaction.options.getString('reward', true));
    const removed = services.rewards.remove(guildId, current.id, userId);
    await respond(interaction, { content: t('shop.admin.removed', { name: removed.name }), ephemeral: true });
  },
};

/** Every reward not removed, paused ones included, matching what the moderator typed. */
async function autocompleteReward({
  interaction,
  services,
  guildId,
  t,
}: Ctx<AutocompleteInteraction>): Promise<void> {
  const rewards = services.rewards.suggest(guildId, interaction.options.getFocused());
  await interaction.respond(
    rewards.map((r) => ({
      name: (r.enabled === 1
        ? t('shop.choice', { name: r.name, cost: r.cost })
        : t('shop.choice_paused', { name: r.name })
      ).slice(0, 100),
      value: `r:${r.id}`,
    })),
  );
}

/** Refuses a role the bot could not hand out safely, saying how to fix it (SPEC §5). */
async function checkRole(ctx: Ctx<ChatInputCommandInteraction>, roleId: string): Promise<void> {
  const guild = ctx.interaction.guild ?? (await ctx.interaction.client.guilds.fetch(ctx.guildId));
  const check = await checkGrantable(guild, roleId);
  if (!check.ok) throw roleUnsafe(ctx.t, roleId, check);
}

function durationOption(interaction: ChatInputCommandInteraction, t: Translate): number | null {
  const text = interaction.options.getString('duration');
  if (text === null) return null;
  try {
    return durationFromText(text);
  } catch (e) {
    throw localizeShopError(e, t);
  }
}

function walletOption(interaction: ChatInputCommandInteraction): RequiredWallet | null {
  const value = interaction.options.getString('requires_wallet');
  if (value === null) return null;
  if (!isRequiredWallet(value)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'requires_wallet' });
  return value;
}

function inputKindOption(interaction: ChatInputCommandInteraction): InputKind | null {
  const value = interaction.options.getString('input_kind');
  if (value === null) return null;
  // Only a client that ignores the command's choices sends anything else: refuse it.
  if (!isInputKind(value)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'input_kind' });
  return value;
}

/** A reward as moderators see it after a change. */
function summary(t: Translate, reward: RewardRow): EmbedBuilder {
  const lines = [t('shop.field', { name: reward.name, cost: reward.cost }), ...rewardLines(t, reward)];
  const label = inputLabel(t, reward);
  if (label) lines.push(t('shop.admin.input', { label }));
  if (reward.enabled !== 1) {
    const reason = t(`shop.reason.${reward.disabledReason ?? 'moderator'}` as MessageKey);
    lines.push(t('shop.admin.paused', { name: reward.name, reason }));
  }
  return new EmbedBuilder().setColor(SPARKS_COLOR).setDescription(lines.join('\n'));
}
