/** The shop: catalogue, redemptions, the moderators' queue, and what members are told. */
export const en = {
  'shop.title': '🛒 Sparks shop',
  'shop.balance': 'Your balance: **{balance} Sparks**. Redeem with `/sparks redeem`.',
  'shop.empty': 'The shop is empty for now. Moderators add rewards with `/sparks-admin reward add`.',
  'shop.field': '{name} — {cost} Sparks',
  'shop.kind.role': '🎭 Role {role}',
  'shop.kind.role_for': '🎭 Role {role} for {duration}',
  'shop.kind.badge': '🏅 Badge on your profile',
  'shop.kind.badge_role': '🏅 Badge on your profile, with {role}',
  'shop.kind.manual': '📝 Handled by the moderators',
  'shop.kind.streak_freeze': '❄️ A streak freeze: covers one day you miss (hold up to {max})',
  'shop.stock': '📦 {stock} left',
  'shop.sold_out': '❌ Sold out',
  'shop.limit': 'Limit {limit} per member (you: {held})',
  'shop.requires': 'Requires {role}',
  'shop.affordable': '✅ You can afford it',
  'shop.short': '🔒 {short} Sparks short',
  'shop.paused': '⏸️ Paused by the moderators',
  'shop.choice': '{name} — {cost} Sparks',
  'shop.choice_short': '{name} — {cost} Sparks (you need {short} more)',
  'shop.choice_sold_out': '{name} — sold out',
  'shop.choice_paused': '{name} — paused',
  'shop.unit.d': '{n}d',
  'shop.unit.h': '{n}h',
  'shop.unit.m': '{n}m',
  'shop.unit.s': '{n}s',

  'shop.confirm.title': 'Redeem {name}?',
  'shop.confirm.cost': 'Cost',
  'shop.confirm.after': 'Balance after',
  'shop.confirm.you_get': 'You get',
  'shop.confirm.manual':
    'A moderator handles it after you confirm. Your Sparks stay reserved until then, and come back if it is declined.',
  'shop.confirm.input': 'After **Confirm** you will be asked for: {label}',
  'shop.cancelled': 'Cancelled. Nothing was spent.',
  'shop.modal.title': 'Redeem {name}',

  'shop.done.role': '✅ Redeemed **{name}** for {cost} Sparks: you now have {role}.',
  'shop.done.role_until':
    '✅ Redeemed **{name}** for {cost} Sparks: you have {role} until {until} ({relative}).',
  'shop.done.badge':
    '🏅 Redeemed **{name}** for {cost} Sparks: the badge is on your profile (`/sparks balance`).',
  'shop.done.streak_freeze':
    '❄️ Redeemed **{name}** for {cost} Sparks: a freeze now covers the next day you miss, spent for you (see `/sparks balance`).',
  'shop.done.manual':
    '📝 Your request for **{name}** is in the moderators’ queue. {cost} Sparks are reserved; you will be told when it is handled, and they come back if it is declined.',
  'shop.done.balance': 'Balance: {balance} Sparks.',
  'shop.done.unknown':
    '⏳ Discord has not confirmed {role} yet. Your {cost} Sparks stay reserved until it does; you will be told the outcome (by DM, or here the next time you use /sparks).',
  'shop.done.restarting':
    '⏳ Sparks is restarting before Discord confirmed {role}. Your redemption is finished when the bot is back, and you will be told the outcome.',
  'shop.already.reserved': 'This redemption is already being processed.',
  'shop.already.fulfilled': 'Already done: **{name}** is yours.',
  'shop.already.pending_manual': '**{name}** is already in the moderators’ queue.',
  'shop.already.refunded': 'This redemption was refunded ({reason}). Run `/sparks redeem` to try again.',

  'shop.failure.role_missing': 'the reward’s role no longer exists; the moderators have been told',
  'shop.failure.role_managed':
    'the reward’s role is managed by an integration and cannot be handed out; the moderators have been told',
  'shop.failure.role_dangerous':
    'the reward’s role now carries moderator permissions, so it is not safe to hand out; the moderators have been told',
  'shop.failure.role_too_high':
    'the reward’s role sits above mine, so Discord does not let me give it; the moderators have been told',
  'shop.failure.bot_missing_permission':
    'I am missing the Manage Roles permission; the moderators have been told',
  'shop.failure.member_left': 'you are no longer a member of the server',
  'shop.failure.discord_unavailable':
    'Discord is not responding right now; please try again in a few minutes',
  'shop.failure.interrupted': 'Sparks restarted before your role could be given; you can redeem it again',
  'shop.failure.rejected': 'a moderator declined it',

  'shop.fix.role_missing': '{role} no longer exists. Pick another role.',
  'shop.fix.role_managed':
    '{role} is managed by an integration (or is @everyone), so no one can hand it out. Pick a role you created.',
  'shop.fix.role_dangerous':
    '{role} carries {permissions}. Remove those permissions in Server Settings → Roles, or pick another role.',
  'shop.fix.role_too_high':
    '{role} is above my highest role. In Server Settings → Roles, drag my role above it.',
  'shop.fix.bot_missing_permission':
    'I need the Manage Roles permission. Give it to my role in Server Settings → Roles.',
  'shop.fix.member_left': '{role} could not be checked. Try again.',
  'shop.fix.discord_unavailable': 'Discord did not answer while I checked {role}. Try again in a minute.',

  'shop.invalid.name_length': 'the name must be 1 to {max} characters.',
  'shop.invalid.name_taken': 'a reward named “{name}” already exists. Pick another name, or edit that one.',
  'shop.invalid.cost_range': 'the cost must be a whole number from 1 to {max}.',
  'shop.invalid.description_length': 'the description can be at most {max} characters.',
  'shop.invalid.stock_range': 'the stock must be a whole number from 0 to {max}.',
  'shop.invalid.limit_range': 'the per-member limit must be a whole number from 1 to {max}.',
  'shop.invalid.role_required': 'a role reward needs a `role`.',
  'shop.invalid.role_not_allowed':
    'a manual reward or a streak freeze cannot hand out a role; use kind role or badge for that.',
  'shop.invalid.duration_role_only': '`duration` only applies to role rewards.',
  'shop.invalid.duration_range': 'the duration must look like 30m, 12h, 7d or 1d 12h (1 second to 365 days).',
  'shop.invalid.input_manual_only': '`input_label` and `input_kind` only apply to manual rewards.',
  'shop.invalid.input_label_length': 'the input label can be at most {max} characters.',
  'shop.invalid.input_kind_invalid': 'that input kind is not known.',
  'shop.invalid.role_change_active':
    '{count} member(s) still hold the current role on a timer. Change the role once their time is up, or remove this reward and add a new one.',
  'shop.invalid.image_url': 'the image must be an https:// address of at most {max} characters.',
  'shop.invalid.gate_days': '`min_member_days` and `min_account_days` must be whole days from 0 to {max}.',
  'shop.invalid.wallet_manual_only': '`requires_wallet` is for manual rewards only.',
  'shop.invalid.wallet_kind': '`requires_wallet` must be any, evm or solana.',

  'shop.input.empty': 'it was empty.',
  'shop.input.too_long': 'it is longer than 200 characters.',
  'shop.input.evm_format': 'an EVM address is 0x followed by 40 hexadecimal characters.',
  'shop.input.evm_checksum':
    'its upper- and lower-case letters do not match the address checksum, which usually means a typo. Copy the address again.',
  'shop.input.solana_format': 'a Solana address is 32 to 44 base58 characters (no 0, O, I or l).',
  'shop.input.wallet_format':
    'enter an EVM address (0x followed by 40 hexadecimal characters) or a Solana address (32 to 44 base58 characters).',
  'shop.input.link_format': 'paste a message link (right-click the message → Copy Message Link).',
  'shop.input.link_other_server': 'the message must be in this server.',
  'shop.input_label.text': 'Your answer',
  'shop.input_label.evm_address': 'EVM wallet address',
  'shop.input_label.solana_address': 'Solana wallet address',
  'shop.input_label.wallet': 'Wallet address (EVM or Solana)',
  'shop.input_label.message_link': 'Link to the message',

  'shop.admin.added': '✅ Added **{name}** to the shop.',
  'shop.admin.edited': '✅ Updated **{name}**.',
  'shop.admin.removed':
    '🗑️ Removed **{name}** from the shop. Its past redemptions are kept, and the name can be used again.',
  'shop.admin.paused':
    '⏸️ **{name}** is paused ({reason}). Fix it, then run `/sparks-admin reward edit` with `enabled: True`.',
  'shop.admin.nothing': 'Nothing to change: give at least one field to edit.',
  'shop.admin.input': 'Asks for: {label}',
  'shop.reason.role_missing': 'its role was deleted',
  'shop.reason.role_managed': 'its role is managed by an integration',
  'shop.reason.role_dangerous': 'its role carries a dangerous permission',
  'shop.reason.role_too_high': 'its role is above mine',
  'shop.reason.bot_missing_permission': 'I lack the Manage Roles permission',
  'shop.reason.moderator': 'turned off by a moderator',

  'shop.queue.title': '📝 Manual redemptions waiting ({total})',
  'shop.queue.empty': 'No manual redemptions are waiting. 🎉',
  'shop.queue.item': '#{id} · {name} · {cost} Sparks',
  'shop.queue.who': '{member} · {when}',
  'shop.queue.stale': '⚠️ waiting more than {hours} h',
  'shop.queue.input': 'Input: {input}',
  'shop.queue.fulfil': 'Fulfil #{id}',
  'shop.queue.reject': 'Reject #{id}',
  'shop.queue.refresh': 'Refresh',
  'shop.queue.fulfilled': '✅ Fulfilled #{id} ({name}) for {member}.',
  'shop.queue.rejected': '↩️ Rejected #{id} ({name}) for {member}; {cost} Sparks went back to them.',
  'shop.queue.told': 'They were told by DM.',
  'shop.queue.dm_closed': 'Their DMs are closed: they will see it the next time they use /sparks.',

  'shop.note.fulfilled': '✅ Your redemption of **{name}** in {server} was fulfilled.',
  'shop.note.refunded':
    '↩️ Your redemption of **{name}** in {server} was not completed ({reason}). Your {cost} Sparks were returned.',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'shop.title': '🛒 Sparks 상점',
  'shop.balance': '내 잔액: **{balance} Sparks**. `/sparks redeem`으로 교환하세요.',
  'shop.empty': '아직 상점이 비어 있습니다. 모더레이터가 `/sparks-admin reward add`로 보상을 추가합니다.',
  'shop.field': '{name} — {cost} Sparks',
  'shop.kind.role': '🎭 역할 {role}',
  'shop.kind.role_for': '🎭 역할 {role} ({duration} 동안)',
  'shop.kind.badge': '🏅 프로필 배지',
  'shop.kind.badge_role': '🏅 프로필 배지와 {role}',
  'shop.kind.manual': '📝 모더레이터가 처리',
  'shop.kind.streak_freeze': '❄️ 스트릭 프리즈: 놓친 하루를 보호 (최대 {max}개 보유)',
  'shop.stock': '📦 {stock}개 남음',
  'shop.sold_out': '❌ 품절',
  'shop.limit': '1인당 {limit}회 (나: {held})',
  'shop.requires': '{role} 역할 필요',
  'shop.affordable': '✅ 교환 가능',
  'shop.short': '🔒 {short} Sparks 부족',
  'shop.paused': '⏸️ 모더레이터가 일시 중지함',
  'shop.choice': '{name} — {cost} Sparks',
  'shop.choice_short': '{name} — {cost} Sparks ({short} 부족)',
  'shop.choice_sold_out': '{name} — 품절',
  'shop.choice_paused': '{name} — 일시 중지',
  'shop.unit.d': '{n}일',
  'shop.unit.h': '{n}시간',
  'shop.unit.m': '{n}분',
  'shop.unit.s': '{n}초',

  'shop.confirm.title': '{name}을(를) 교환할까요?',
  'shop.confirm.cost': '비용',
  'shop.confirm.after': '교환 후 잔액',
  'shop.confirm.you_get': '받는 것',
  'shop.confirm.manual':
    '확인하면 모더레이터가 처리합니다. 그때까지 Sparks는 예약되며, 거절되면 돌려받습니다.',
  'shop.confirm.input': '**확인**을 누르면 다음을 입력하게 됩니다: {label}',
  'shop.cancelled': '취소했습니다. 사용된 Sparks는 없습니다.',
  'shop.modal.title': '{name} 교환',

  'shop.done.role': '✅ **{name}**을(를) {cost} Sparks로 교환했습니다: 이제 {role} 역할이 있습니다.',
  'shop.done.role_until':
    '✅ **{name}**을(를) {cost} Sparks로 교환했습니다: {until}까지 ({relative}) {role} 역할이 있습니다.',
  'shop.done.badge':
    '🏅 **{name}**을(를) {cost} Sparks로 교환했습니다: 배지가 프로필에 표시됩니다 (`/sparks balance`).',
  'shop.done.streak_freeze':
    '❄️ **{name}**을(를) {cost} Sparks로 교환했습니다: 다음에 놓치는 하루를 프리즈가 자동으로 보호합니다 (`/sparks balance`).',
  'shop.done.manual':
    '📝 **{name}** 요청이 모더레이터 대기열에 들어갔습니다. {cost} Sparks가 예약되었고, 처리되면 알려 드리며 거절되면 돌려받습니다.',
  'shop.done.balance': '잔액: {balance} Sparks.',
  'shop.done.unknown':
    '⏳ Discord가 아직 {role} 역할 지급을 확인하지 않았습니다. 확인될 때까지 {cost} Sparks는 예약된 상태이며, 결과를 알려 드립니다 (DM 또는 다음에 /sparks를 사용할 때).',
  'shop.done.restarting':
    '⏳ Discord가 {role} 역할 지급을 확인하기 전에 Sparks가 다시 시작됩니다. 봇이 돌아오면 교환이 마무리되고 결과를 알려 드립니다.',
  'shop.already.reserved': '이 교환은 이미 처리 중입니다.',
  'shop.already.fulfilled': '이미 완료되었습니다: **{name}**을(를) 받았습니다.',
  'shop.already.pending_manual': '**{name}**은(는) 이미 모더레이터 대기열에 있습니다.',
  'shop.already.refunded': '이 교환은 환불되었습니다 ({reason}). 다시 하려면 `/sparks redeem`을 실행하세요.',

  'shop.failure.role_missing': '보상 역할이 더 이상 없습니다. 모더레이터에게 알렸습니다',
  'shop.failure.role_managed':
    '보상 역할이 연동 서비스가 관리하는 역할이라 지급할 수 없습니다. 모더레이터에게 알렸습니다',
  'shop.failure.role_dangerous':
    '보상 역할에 모더레이터 권한이 생겨 안전하게 지급할 수 없습니다. 모더레이터에게 알렸습니다',
  'shop.failure.role_too_high':
    '보상 역할이 봇 역할보다 높아 Discord가 지급을 허용하지 않습니다. 모더레이터에게 알렸습니다',
  'shop.failure.bot_missing_permission': '봇에게 역할 관리 권한이 없습니다. 모더레이터에게 알렸습니다',
  'shop.failure.member_left': '더 이상 서버 멤버가 아닙니다',
  'shop.failure.discord_unavailable': 'Discord가 지금 응답하지 않습니다. 몇 분 후 다시 시도해 주세요',
  'shop.failure.interrupted': '역할을 지급하기 전에 Sparks가 다시 시작되었습니다. 다시 교환할 수 있습니다',
  'shop.failure.rejected': '모더레이터가 거절했습니다',

  'shop.fix.role_missing': '{role} 역할이 더 이상 없습니다. 다른 역할을 선택하세요.',
  'shop.fix.role_managed':
    '{role} 역할은 연동 서비스가 관리하는 역할(또는 @everyone)이라 지급할 수 없습니다. 직접 만든 역할을 선택하세요.',
  'shop.fix.role_dangerous':
    '{role} 역할에 {permissions} 권한이 있습니다. 서버 설정 → 역할에서 해당 권한을 제거하거나 다른 역할을 선택하세요.',
  'shop.fix.role_too_high':
    '{role} 역할이 봇의 가장 높은 역할보다 위에 있습니다. 서버 설정 → 역할에서 봇 역할을 그 위로 옮기세요.',
  'shop.fix.bot_missing_permission':
    '봇에게 역할 관리 권한이 필요합니다. 서버 설정 → 역할에서 봇 역할에 부여하세요.',
  'shop.fix.member_left': '{role} 역할을 확인할 수 없었습니다. 다시 시도하세요.',
  'shop.fix.discord_unavailable':
    '{role} 역할을 확인하는 동안 Discord가 응답하지 않았습니다. 잠시 후 다시 시도하세요.',

  'shop.invalid.name_length': '이름은 1~{max}자여야 합니다.',
  'shop.invalid.name_taken': '“{name}” 보상이 이미 있습니다. 다른 이름을 쓰거나 그 보상을 수정하세요.',
  'shop.invalid.cost_range': '비용은 1에서 {max} 사이의 정수여야 합니다.',
  'shop.invalid.description_length': '설명은 최대 {max}자입니다.',
  'shop.invalid.stock_range': '재고는 0에서 {max} 사이의 정수여야 합니다.',
  'shop.invalid.limit_range': '1인당 한도는 1에서 {max} 사이의 정수여야 합니다.',
  'shop.invalid.role_required': '역할 보상에는 `role`이 필요합니다.',
  'shop.invalid.role_not_allowed':
    '수동 보상과 스트릭 프리즈는 역할을 지급할 수 없습니다. 역할 또는 배지 종류를 사용하세요.',
  'shop.invalid.duration_role_only': '`duration`은 역할 보상에만 쓸 수 있습니다.',
  'shop.invalid.duration_range': '기간은 30m, 12h, 7d, 1d 12h 같은 형식이어야 합니다 (1초~365일).',
  'shop.invalid.input_manual_only': '`input_label`과 `input_kind`는 수동 보상에만 쓸 수 있습니다.',
  'shop.invalid.input_label_length': '입력 안내 문구는 최대 {max}자입니다.',
  'shop.invalid.input_kind_invalid': '알 수 없는 입력 종류입니다.',
  'shop.invalid.role_change_active':
    '아직 {count}명이 기간제로 현재 역할을 가지고 있습니다. 기간이 끝난 뒤 역할을 바꾸거나, 이 보상을 삭제하고 새로 추가하세요.',
  'shop.invalid.image_url': '이미지는 {max}자 이하의 https:// 주소여야 합니다.',
  'shop.invalid.gate_days':
    '`min_member_days`와 `min_account_days`는 0에서 {max} 사이의 정수(일)여야 합니다.',
  'shop.invalid.wallet_manual_only': '`requires_wallet`은 수동 보상에만 쓸 수 있습니다.',
  'shop.invalid.wallet_kind': '`requires_wallet`은 any, evm, solana 중 하나여야 합니다.',

  'shop.input.empty': '비어 있습니다.',
  'shop.input.too_long': '200자를 넘습니다.',
  'shop.input.evm_format': 'EVM 주소는 0x 다음에 16진수 40자입니다.',
  'shop.input.evm_checksum':
    '대소문자가 주소 체크섬과 맞지 않습니다. 보통 오타입니다. 주소를 다시 복사하세요.',
  'shop.input.solana_format': 'Solana 주소는 base58 문자 32~44자입니다 (0, O, I, l 제외).',
  'shop.input.wallet_format':
    'EVM 주소(0x 다음에 16진수 40자) 또는 Solana 주소(base58 문자 32~44자)를 입력하세요.',
  'shop.input.link_format': '메시지 링크를 붙여 넣으세요 (메시지 우클릭 → 메시지 링크 복사).',
  'shop.input.link_other_server': '이 서버의 메시지여야 합니다.',
  'shop.input_label.text': '답변',
  'shop.input_label.evm_address': 'EVM 지갑 주소',
  'shop.input_label.solana_address': 'Solana 지갑 주소',
  'shop.input_label.wallet': '지갑 주소 (EVM 또는 Solana)',
  'shop.input_label.message_link': '메시지 링크',

  'shop.admin.added': '✅ 상점에 **{name}**을(를) 추가했습니다.',
  'shop.admin.edited': '✅ **{name}**을(를) 수정했습니다.',
  'shop.admin.removed':
    '🗑️ 상점에서 **{name}**을(를) 삭제했습니다. 지난 교환 내역은 유지되며 이름은 다시 쓸 수 있습니다.',
  'shop.admin.paused':
    '⏸️ **{name}**은(는) 일시 중지 상태입니다 ({reason}). 문제를 고친 뒤 `/sparks-admin reward edit`에서 `enabled: True`로 실행하세요.',
  'shop.admin.nothing': '바꿀 내용이 없습니다. 수정할 항목을 하나 이상 지정하세요.',
  'shop.admin.input': '입력 요청: {label}',
  'shop.reason.role_missing': '역할이 삭제됨',
  'shop.reason.role_managed': '연동 서비스가 관리하는 역할',
  'shop.reason.role_dangerous': '역할에 위험한 권한이 있음',
  'shop.reason.role_too_high': '역할이 봇 역할보다 높음',
  'shop.reason.bot_missing_permission': '봇에게 역할 관리 권한이 없음',
  'shop.reason.moderator': '모더레이터가 끔',

  'shop.queue.title': '📝 대기 중인 수동 교환 ({total})',
  'shop.queue.empty': '대기 중인 수동 교환이 없습니다. 🎉',
  'shop.queue.item': '#{id} · {name} · {cost} Sparks',
  'shop.queue.who': '{member} · {when}',
  'shop.queue.stale': '⚠️ {hours}시간 넘게 대기 중',
  'shop.queue.input': '입력: {input}',
  'shop.queue.fulfil': '#{id} 완료',
  'shop.queue.reject': '#{id} 거절',
  'shop.queue.refresh': '새로고침',
  'shop.queue.fulfilled': '✅ {member}님의 #{id} ({name})을(를) 완료했습니다.',
  'shop.queue.rejected': '↩️ {member}님의 #{id} ({name})을(를) 거절했습니다. {cost} Sparks를 돌려주었습니다.',
  'shop.queue.told': 'DM으로 알렸습니다.',
  'shop.queue.dm_closed': 'DM이 닫혀 있어 다음에 /sparks를 사용할 때 알려 드립니다.',

  'shop.note.fulfilled': '✅ {server}에서 교환한 **{name}**이(가) 완료되었습니다.',
  'shop.note.refunded':
    '↩️ {server}에서 교환한 **{name}**을(를) 완료하지 못했습니다 ({reason}). {cost} Sparks를 돌려드렸습니다.',
};
