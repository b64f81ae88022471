/**
 * Core strings: errors and the runtime. Each feature keeps its strings in its own file
 * (members.ts, campaigns.ts, …) with an `en` object and a `ko` object of the same keys;
 * index.ts merges them. `{name}` is replaced by a parameter, numbers are formatted for
 * the locale.
 */
import type { ErrorCode } from '../../core/errors.ts';
import '../../seasons/errors.ts';
import '../../raffles/errors.ts';
import '../../quests/errors.ts';
import '../../linked-roles/errors.ts';
import '../../streaks/errors.ts';
import '../../wallets/errors.ts';
import '../../members/flagging.ts';

const errorsEn: Record<ErrorCode, string> = {
  'SPARKS.INVALID_AMOUNT': 'The amount must be a whole number from {min} to {max}.',
  'SPARKS.INSUFFICIENT': 'Not enough Sparks: {available} available, {requested} needed.',
  'SPARKS.IDEMPOTENCY_CONFLICT':
    'That request was already used for something else. Please run the command again.',
  'SPARKS.NOT_FOUND': 'That entry does not exist.',
  'SPARKS.ALREADY_CLOSED': 'That was already settled; nothing changed.',
  'SPARKS.NOT_REVERSIBLE': 'That entry cannot be reversed.',
  'SPARKS.BALANCE_OVERFLOW': 'That would take a balance past the largest amount Sparks can hold.',
  'SPARKS.INVALID_INPUT': 'The value for {field} is not valid.',
  'SPARKS.DAILY_LIMIT':
    'Daily award limit reached: you can award {remaining} more Sparks today (limit {limit}).',
  'SPARKS.SELF_AWARD': 'You cannot award or revoke Sparks for yourself. Ask another moderator.',
  'SPARKS.FORBIDDEN': 'Only moderators can do that (Manage Server, or the moderator role set by an admin).',
  'SPARKS.UNKNOWN_COMMAND': 'This command is not available. Try `/sparks balance`.',
  'SPARKS.STALE_COMPONENT': 'These buttons have expired. Run the command again.',
  'SPARKS.NOT_YOUR_COMPONENT': 'These buttons belong to someone else. Run the command yourself.',
  'SPARKS.CAMPAIGN_NOT_FOUND': 'No active campaign matches “{name}”. Check `/sparks-admin campaign list`.',
  'SPARKS.CAMPAIGN_INVALID': 'The campaign cannot be started: {reason}',
  'SPARKS.MESSAGE_NOT_FOUND':
    'I cannot find or see that message. Use a message link, or the id of a message in this channel.',
  'SPARKS.REWARD_NOT_FOUND': 'No reward matches “{name}”. See `/sparks shop`.',
  'SPARKS.REWARD_INVALID': 'That reward cannot be saved: {reason}',
  'SPARKS.REWARD_UNAVAILABLE': 'That reward is not available right now.',
  'SPARKS.SOLD_OUT': 'Sold out: no {name} left.',
  'SPARKS.LIMIT_REACHED': 'You already redeemed {name} the maximum {limit} time(s).',
  'SPARKS.ROLE_REQUIRED': 'You need the <@&{roleId}> role for that.',
  'SPARKS.MEMBER_TOO_NEW':
    'You need to have been in this server for {days} days for that (you have been here {have} days).',
  'SPARKS.ACCOUNT_TOO_NEW':
    'Your Discord account must be at least {days} days old for that (it is {have} days old).',
  'SPARKS.ROLE_UNSAFE': 'That role is not safe to hand out: {reason}',
  'SPARKS.FULFILMENT_FAILED': 'That could not be completed ({reason}). Your Sparks were returned.',
  'SPARKS.REDEMPTION_NOT_FOUND': 'That redemption does not exist or was already handled.',
  'SPARKS.BOT_BUSY': 'Sparks is busy right now. Please try again in a moment.',
  'SPARKS.TIER_NOT_FOUND': '<@&{roleId}> is not a tier role. See `/sparks-admin tier list`.',
  'SPARKS.TIER_INVALID': 'That tier cannot be saved: {reason}',
  'SPARKS.MISSING_PERMISSION':
    'I am missing the **{permission}** permission in {channel}. Give my role that permission there, or pick another channel.',
  'SPARKS.OUT_OF_RANGE': '`{field}` must be a whole number from {min} to {max}.',
  'SPARKS.ALREADY_OWNED': 'You already have <@&{roleId}>, so there is nothing to redeem. Nothing was spent.',
  'SPARKS.REDEEM_INPUT_INVALID':
    '“{label}” was not accepted: {hint} Nothing was spent; press Confirm to try again.',
  'SPARKS.SEASON_NOT_FOUND': 'No season matches “{name}”. See `/sparks-admin season list`.',
  'SPARKS.SEASON_INVALID': 'That cannot be done: {reason} Nothing was changed.',
  'SPARKS.SEASON_ENDED': 'The season “{name}” has ended (or is ending); nothing was changed.',
  'SPARKS.RAFFLE_NOT_FOUND': 'No raffle matches “{name}”. See `/sparks raffle`.',
  'SPARKS.RAFFLE_INVALID': 'That cannot be done: {reason} Nothing was changed.',
  'SPARKS.RAFFLE_CLOSED':
    'The raffle “{name}” is closed: it was drawn, cancelled or its time is up. Nothing was spent.',
  'SPARKS.RAFFLE_ENTRY_LIMIT':
    'You can hold at most {limit} entries in this raffle and already hold {have}. Nothing was spent.',
  'SPARKS.LINKED_ROLE_SCOPE':
    'Discord did not give Sparks permission to update your Linked Role ({scope}). Connect again and keep that permission ticked.',
  'SPARKS.FLAGGED':
    'Your account is flagged for review by the moderators, so you cannot do that until they clear it. Nothing was spent.',
  'SPARKS.QUEST_NOT_FOUND': 'No quest matches “{name}”. See `/sparks quests`.',
  'SPARKS.QUEST_INVALID': 'That cannot be done: {reason} Nothing was changed.',
  'SPARKS.QUEST_CLOSED': 'The quest “{name}” is not open: it has not started yet, or it has ended.',
  'SPARKS.QUEST_LOCKED': 'Complete the quest “{prerequisite}” first; then “{name}” opens for you.',
  'SPARKS.QUEST_COMPLETED': 'You already completed “{name}” for this period. Nothing more to do here.',
  'SPARKS.QUEST_NO_ATTEMPTS':
    'You have used all {attempts} attempts at this question for now. Daily and weekly quests give new ones each period.',
  'SPARKS.QUEST_PENDING':
    'Your submission for this step is waiting for a moderator; you will be told the outcome.',
  'SPARKS.QUEST_SUBMISSION_NOT_FOUND': 'That submission does not exist or was already reviewed.',
  'SPARKS.STREAK_MILESTONES_INVALID':
    '`streak_milestones` was not accepted at “{part}”: give up to {count} pairs of days:Sparks such as `3:10, 7:50, 30:200` (days 1 to {maxDays}, each once; Sparks 1 to {maxSparks}). Nothing was changed.',
  'SPARKS.STREAK_FREEZES_FULL':
    'You already hold {held} streak freezes, the most you can hold. One is spent for you on a day you miss; buy another after that. Nothing was spent.',
  'SPARKS.WALLET_REQUIRED': 'That needs a wallet linked to your Sparks account. {reason} Nothing was spent.',
  'SPARKS.WALLET_ADDRESS_INVALID': 'That is not a valid {chain} wallet address. Nothing was linked.',
  'SPARKS.WALLET_MESSAGE_INVALID':
    'That signed message is not the one this site asked for. Start again from your wallets page; nothing was linked.',
  'SPARKS.WALLET_WRONG_DOMAIN':
    'That message was signed for another site ({got}), not {expected}. Nothing was linked.',
  'SPARKS.WALLET_NONCE_UNKNOWN':
    'That sign-in request is not one this site gave you. Start again from your wallets page; nothing was linked.',
  'SPARKS.WALLET_NONCE_EXPIRED':
    'That sign-in request has expired (they last 10 minutes). Start again; nothing was linked.',
  'SPARKS.WALLET_NONCE_USED':
    'That sign-in request was already used. Start again for a fresh one; nothing was linked.',
  'SPARKS.WALLET_SIGNATURE_INVALID':
    'That signature was not made by the wallet `{address}`. Sign with that wallet; nothing was linked.',
  'SPARKS.WALLET_TAKEN':
    'The wallet `{address}` is already linked to another member of this server, so it was not linked. A moderator will review it.',
  'SPARKS.WALLET_ALREADY_LINKED': 'The wallet `{address}` is already linked to your account.',
  'SPARKS.WALLET_LIMIT': 'You can link at most {max} wallets. Unlink one first.',
  'SPARKS.WALLET_NOT_FOUND': 'That wallet is not linked to your account.',
  'SPARKS.FLAG_BOT': 'Bots cannot be flagged: they earn and spend no Sparks. Nothing was changed.',
  'SPARKS.SELF_FLAG': 'You cannot flag or unflag yourself. Ask another moderator.',
  'SPARKS.ALREADY_FLAGGED':
    'That member is already flagged. See `/sparks-admin flags`, or clear it with `/sparks-admin unflag` first.',
  'SPARKS.NOT_FLAGGED':
    'That member is not flagged, so there is nothing to clear. See `/sparks-admin flags`.',
};

const errorsKo: Record<ErrorCode, string> = {
  'SPARKS.INVALID_AMOUNT': '수량은 {min}에서 {max} 사이의 정수여야 합니다.',
  'SPARKS.INSUFFICIENT': 'Sparks가 부족합니다: 사용 가능 {available}, 필요 {requested}.',
  'SPARKS.IDEMPOTENCY_CONFLICT': '이 요청은 이미 다른 용도로 사용되었습니다. 명령어를 다시 실행해 주세요.',
  'SPARKS.NOT_FOUND': '해당 내역이 없습니다.',
  'SPARKS.ALREADY_CLOSED': '이미 처리되었습니다. 변경된 것은 없습니다.',
  'SPARKS.NOT_REVERSIBLE': '이 내역은 되돌릴 수 없습니다.',
  'SPARKS.BALANCE_OVERFLOW': 'Sparks가 보유할 수 있는 최대치를 넘게 됩니다.',
  'SPARKS.INVALID_INPUT': '{field} 값이 올바르지 않습니다.',
  'SPARKS.DAILY_LIMIT':
    '일일 지급 한도에 도달했습니다: 오늘 {remaining} Sparks를 더 지급할 수 있습니다 (한도 {limit}).',
  'SPARKS.SELF_AWARD':
    '자기 자신에게는 Sparks를 지급하거나 회수할 수 없습니다. 다른 모더레이터에게 요청하세요.',
  'SPARKS.FORBIDDEN': '모더레이터만 할 수 있습니다 (서버 관리 권한 또는 관리자가 지정한 모더레이터 역할).',
  'SPARKS.UNKNOWN_COMMAND': '사용할 수 없는 명령어입니다. `/sparks balance`를 사용해 보세요.',
  'SPARKS.STALE_COMPONENT': '버튼이 만료되었습니다. 명령어를 다시 실행해 주세요.',
  'SPARKS.NOT_YOUR_COMPONENT': '다른 사람의 버튼입니다. 직접 명령어를 실행해 주세요.',
  'SPARKS.CAMPAIGN_NOT_FOUND':
    '“{name}”에 해당하는 진행 중인 캠페인이 없습니다. `/sparks-admin campaign list`를 확인하세요.',
  'SPARKS.CAMPAIGN_INVALID': '캠페인을 시작할 수 없습니다: {reason}',
  'SPARKS.MESSAGE_NOT_FOUND':
    '해당 메시지를 찾거나 볼 수 없습니다. 메시지 링크나 이 채널의 메시지 ID를 사용하세요.',
  'SPARKS.REWARD_NOT_FOUND': '“{name}”에 해당하는 보상이 없습니다. `/sparks shop`을 확인하세요.',
  'SPARKS.REWARD_INVALID': '보상을 저장할 수 없습니다: {reason}',
  'SPARKS.REWARD_UNAVAILABLE': '지금은 이 보상을 이용할 수 없습니다.',
  'SPARKS.SOLD_OUT': '품절: {name} 재고가 없습니다.',
  'SPARKS.LIMIT_REACHED': '{name}은(는) 최대 {limit}회까지 교환할 수 있으며 이미 모두 사용했습니다.',
  'SPARKS.ROLE_REQUIRED': '<@&{roleId}> 역할이 필요합니다.',
  'SPARKS.MEMBER_TOO_NEW': '이 서버에 {days}일 이상 있어야 합니다 (현재 {have}일).',
  'SPARKS.ACCOUNT_TOO_NEW': 'Discord 계정이 {days}일 이상 되어야 합니다 (현재 {have}일).',
  'SPARKS.ROLE_UNSAFE': '이 역할은 지급하기에 안전하지 않습니다: {reason}',
  'SPARKS.FULFILMENT_FAILED': '완료할 수 없었습니다 ({reason}). Sparks는 반환되었습니다.',
  'SPARKS.REDEMPTION_NOT_FOUND': '해당 교환 요청이 없거나 이미 처리되었습니다.',
  'SPARKS.BOT_BUSY': 'Sparks가 지금 바쁩니다. 잠시 후 다시 시도해 주세요.',
  'SPARKS.TIER_NOT_FOUND': '<@&{roleId}>은(는) 등급 역할이 아닙니다. `/sparks-admin tier list`를 확인하세요.',
  'SPARKS.TIER_INVALID': '등급을 저장할 수 없습니다: {reason}',
  'SPARKS.MISSING_PERMISSION':
    '{channel} 채널에서 **{permission}** 권한이 없습니다. 그 채널에서 제 역할에 권한을 주거나 다른 채널을 고르세요.',
  'SPARKS.OUT_OF_RANGE': '`{field}`는 {min}에서 {max} 사이의 정수여야 합니다.',
  'SPARKS.ALREADY_OWNED':
    '이미 <@&{roleId}>을(를) 가지고 있어 교환할 것이 없습니다. 사용된 Sparks는 없습니다.',
  'SPARKS.REDEEM_INPUT_INVALID':
    '“{label}” 값을 받을 수 없습니다: {hint} 사용된 Sparks는 없습니다. 확인을 눌러 다시 시도하세요.',
  'SPARKS.SEASON_NOT_FOUND': '“{name}”에 해당하는 시즌이 없습니다. `/sparks-admin season list`를 확인하세요.',
  'SPARKS.SEASON_INVALID': '할 수 없습니다: {reason} 변경된 것은 없습니다.',
  'SPARKS.SEASON_ENDED': '“{name}” 시즌은 이미 종료되었거나 종료 중입니다. 변경된 것은 없습니다.',
  'SPARKS.RAFFLE_NOT_FOUND': '“{name}”에 해당하는 추첨이 없습니다. `/sparks raffle`을 확인하세요.',
  'SPARKS.RAFFLE_INVALID': '할 수 없습니다: {reason} 변경된 것은 없습니다.',
  'SPARKS.RAFFLE_CLOSED':
    '“{name}” 추첨은 마감되었습니다 (추첨 완료, 취소 또는 기간 종료). 사용된 Sparks는 없습니다.',
  'SPARKS.RAFFLE_ENTRY_LIMIT':
    '이 추첨에는 최대 {limit}장까지 응모할 수 있으며 이미 {have}장을 가지고 있습니다. 사용된 Sparks는 없습니다.',
  'SPARKS.LINKED_ROLE_SCOPE':
    'Discord가 Sparks에 연동 역할 업데이트 권한({scope})을 주지 않았습니다. 다시 연결하고 그 권한을 체크한 채로 두세요.',
  'SPARKS.FLAGGED':
    '계정이 모더레이터 검토 대상으로 표시되어 해제될 때까지 이 작업을 할 수 없습니다. 사용된 Sparks는 없습니다.',
  'SPARKS.QUEST_NOT_FOUND': '“{name}”에 해당하는 퀘스트가 없습니다. `/sparks quests`를 확인하세요.',
  'SPARKS.QUEST_INVALID': '할 수 없습니다: {reason} 변경된 것은 없습니다.',
  'SPARKS.QUEST_CLOSED': '“{name}” 퀘스트는 열려 있지 않습니다: 아직 시작하지 않았거나 종료되었습니다.',
  'SPARKS.QUEST_LOCKED': '먼저 “{prerequisite}” 퀘스트를 완료하세요. 그러면 “{name}” 퀘스트가 열립니다.',
  'SPARKS.QUEST_COMPLETED': '이번 기간의 “{name}” 퀘스트는 이미 완료했습니다. 더 할 일이 없습니다.',
  'SPARKS.QUEST_NO_ATTEMPTS':
    '이 문제의 시도 {attempts}회를 모두 사용했습니다. 일간·주간 퀘스트는 기간마다 새로 시도할 수 있습니다.',
  'SPARKS.QUEST_PENDING': '이 단계의 제출물이 모더레이터 검토를 기다리고 있습니다. 결과를 알려 드립니다.',
  'SPARKS.QUEST_SUBMISSION_NOT_FOUND': '해당 제출물이 없거나 이미 검토되었습니다.',
  'SPARKS.STREAK_MILESTONES_INVALID':
    '`streak_milestones`의 “{part}” 부분을 받을 수 없습니다: `3:10, 7:50, 30:200`처럼 일수:Sparks 쌍을 최대 {count}개 입력하세요 (일수 1~{maxDays}, 중복 없이; Sparks 1~{maxSparks}). 변경된 것은 없습니다.',
  'SPARKS.STREAK_FREEZES_FULL':
    '이미 최대치인 스트릭 프리즈 {held}개를 가지고 있습니다. 하루를 놓치면 자동으로 하나가 사용되니, 그 뒤에 다시 구매하세요. 사용된 Sparks는 없습니다.',
  'SPARKS.WALLET_REQUIRED': 'Sparks 계정에 연결된 지갑이 필요합니다. {reason} 사용된 Sparks는 없습니다.',
  'SPARKS.WALLET_ADDRESS_INVALID': '올바른 {chain} 지갑 주소가 아닙니다. 연결된 것은 없습니다.',
  'SPARKS.WALLET_MESSAGE_INVALID':
    '서명한 메시지가 이 사이트가 요청한 메시지가 아닙니다. 지갑 페이지에서 다시 시작하세요. 연결된 것은 없습니다.',
  'SPARKS.WALLET_WRONG_DOMAIN':
    '이 메시지는 {expected}가 아닌 다른 사이트({got})를 위해 서명되었습니다. 연결된 것은 없습니다.',
  'SPARKS.WALLET_NONCE_UNKNOWN':
    '이 사이트가 보낸 서명 요청이 아닙니다. 지갑 페이지에서 다시 시작하세요. 연결된 것은 없습니다.',
  'SPARKS.WALLET_NONCE_EXPIRED':
    '서명 요청이 만료되었습니다(10분 유효). 다시 시작하세요. 연결된 것은 없습니다.',
  'SPARKS.WALLET_NONCE_USED': '이미 사용된 서명 요청입니다. 새로 시작하세요. 연결된 것은 없습니다.',
  'SPARKS.WALLET_SIGNATURE_INVALID':
    '이 서명은 `{address}` 지갑이 만든 것이 아닙니다. 그 지갑으로 서명하세요. 연결된 것은 없습니다.',
  'SPARKS.WALLET_TAKEN':
    '`{address}` 지갑은 이미 이 서버의 다른 멤버에게 연결되어 있어 연결하지 않았습니다. 모더레이터가 검토합니다.',
  'SPARKS.WALLET_ALREADY_LINKED': '`{address}` 지갑은 이미 계정에 연결되어 있습니다.',
  'SPARKS.WALLET_LIMIT': '지갑은 최대 {max}개까지 연결할 수 있습니다. 먼저 하나를 해제하세요.',
  'SPARKS.WALLET_NOT_FOUND': '그 지갑은 계정에 연결되어 있지 않습니다.',
  'SPARKS.FLAG_BOT':
    '봇은 검토 대상으로 표시할 수 없습니다: 봇은 Sparks를 받거나 쓰지 않습니다. 변경된 것은 없습니다.',
  'SPARKS.SELF_FLAG':
    '자기 자신을 검토 대상으로 표시하거나 해제할 수 없습니다. 다른 모더레이터에게 요청하세요.',
  'SPARKS.ALREADY_FLAGGED':
    '이미 검토 대상으로 표시된 멤버입니다. `/sparks-admin flags`를 확인하거나 먼저 `/sparks-admin unflag`로 해제하세요.',
  'SPARKS.NOT_FLAGGED':
    '검토 대상으로 표시되지 않은 멤버라 해제할 것이 없습니다. `/sparks-admin flags`를 확인하세요.',
};

export const en = {
  ...prefixKeys('error.', errorsEn),
  'error.unexpected':
    'Something went wrong on our side. Please try again; if it keeps happening, tell a moderator the reference {ref}.',
  'error.guild_only': 'Sparks works inside a server, not in DMs.',
  'error.shutting_down': 'Sparks is restarting. Please try again in a few seconds.',
  'common.sparks': '{amount} Sparks',
  'common.none': 'none',
  'common.previous': 'Previous',
  'common.next': 'Next',
  'common.page': 'Page {page} of {pages}',
  'common.confirm': 'Confirm',
  'common.cancel': 'Cancel',
} as const;

export const ko: Record<keyof typeof en, string> = {
  ...prefixKeys('error.', errorsKo),
  'error.unexpected':
    '문제가 발생했습니다. 다시 시도해 주세요. 계속되면 모더레이터에게 참조 번호 {ref}를 알려 주세요.',
  'error.guild_only': 'Sparks는 DM이 아닌 서버에서만 사용할 수 있습니다.',
  'error.shutting_down': 'Sparks가 다시 시작하는 중입니다. 몇 초 후 다시 시도해 주세요.',
  'common.sparks': '{amount} Sparks',
  'common.none': '없음',
  'common.previous': '이전',
  'common.next': '다음',
  'common.page': '{pages}페이지 중 {page}페이지',
  'common.confirm': '확인',
  'common.cancel': '취소',
};

function prefixKeys<P extends string, K extends string>(
  prefix: P,
  o: Record<K, string>,
): Record<`${P}${K}`, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [prefix + k, v])) as Record<`${P}${K}`, string>;
}
