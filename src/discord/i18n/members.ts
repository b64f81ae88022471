/** Members' commands (balance, history, leaderboard) and tier roles. */
export const en = {
  'balance.title': '✨ Sparks of {name}',
  'balance.title_self': '✨ Your Sparks',
  'balance.balance': 'Balance',
  'balance.lifetime': 'Lifetime earned',
  'balance.rank': 'Rank',
  'balance.rank_value': '#{rank}',
  'balance.unranked': 'not ranked',
  'balance.unranked_excluded': 'not ranked (not on leaderboards)',
  'balance.empty':
    'No Sparks yet. Join a community campaign, trade on the platform, or ask about ways to earn!',
  'balance.tier': 'Tier',
  'balance.tier_none': 'No tier yet',
  'balance.next_tier': 'Next tier',
  'balance.next_tier_value': '{amount} Sparks to {role}',
  'balance.top_tier': 'Highest tier reached',
  'balance.badges': 'Badges',
  'balance.badges_none': 'No badges yet. Find them in `/sparks shop`.',
  'balance.badge_count': '{name} ×{count}',
  'balance.card_alt': 'Sparks card of {name}: {balance}, rank {rank}',

  'history.title_self': '📜 Your Sparks history',
  'history.title': '📜 Sparks history of {name}',
  'history.empty': 'No entries yet.',
  'history.end': 'No more entries.',
  'history.footer': 'Page {page} · newest first',
  'history.reason': 'Reason: {reason}',
  'history.source.award': 'Award from {moderator}',
  'history.source.revoke': 'Revoked by {moderator}',
  'history.source.campaign': 'Campaign “{name}”',
  'history.source.quest': 'Quest “{name}”',
  'history.source.quest_unknown': 'Quest',
  'history.source.campaign_unknown': 'Campaign',
  'history.source.trade': 'Trade on the platform',
  'history.source.subscription': 'Subscription',
  'history.source.referral': 'Referral bonus',
  'history.source.redemption': 'Redeemed “{reward}”',
  'history.source.redemption_unknown': 'Redemption',
  'history.source.refund': 'Refund of “{reward}”',
  'history.source.refund_unknown': 'Refund',
  'history.source.reversal': 'Correction of: {source}',
  'history.source.other': 'Ledger entry',

  'leaderboard.title': '🏆 Sparks leaderboard',
  'leaderboard.card_title': 'Sparks leaderboard',
  'leaderboard.period.all': 'All time · by balance',
  'leaderboard.period.month': 'This month ({month}) · Sparks earned',
  'leaderboard.period.week': 'This week (since {start}) · Sparks earned',
  'leaderboard.choice.all': 'All time (balance)',
  'leaderboard.choice.month': 'This month',
  'leaderboard.choice.week': 'This week',
  'leaderboard.empty': 'Nobody is on this leaderboard yet. Earn Sparks to be the first!',
  'leaderboard.you': 'Your rank: **#{rank}** · {score}',
  'leaderboard.you_card': 'Your rank: #{rank} · {score}',
  'leaderboard.you_excluded': 'You are not ranked: members with your role are left off leaderboards.',
  'leaderboard.you_none': 'You are not ranked yet: earn Sparks to join.',
  'leaderboard.you_none_card': 'Not ranked yet',
  'leaderboard.clamped': 'That page no longer exists; here is the last one.',
  'leaderboard.footer': 'Page {page} of {pages} · {total} ranked',

  'privacy.now_hidden':
    'Done: the web leaderboard now shows “A member (hidden)” in your place. Your rank stays, so the board still matches the one here.',
  'privacy.now_shown': 'Done: the web leaderboard shows your name and picture again.',
  'privacy.state_hidden':
    'You are hidden from the web leaderboard. Use `/sparks privacy leaderboard:shown` to appear again.',
  'privacy.state_shown':
    'The web leaderboard shows your name. Use `/sparks privacy leaderboard:hidden` to hide it.',

  'tier.set_done':
    '✅ {role} is now the tier for **{threshold} lifetime Sparks**. {qualifying} member(s) qualify now and get it shortly.',
  'tier.updated':
    '✅ {role} now needs **{threshold} lifetime Sparks** (was {previous}). {qualifying} member(s) qualify.',
  'tier.raised':
    'Members I gave it to who are now below the new threshold lose it; a tier always means “lifetime earned ≥ threshold”.',
  'tier.removed':
    '{role} is no longer a tier role (it needed {threshold} lifetime Sparks). Members who have it keep it; I will not grant it any more.',
  'tier.list_title': '🎖️ Tier roles',
  'tier.list_empty': 'No tier roles yet. Add one with `/sparks-admin tier set`.',
  'tier.list_row': '**{threshold}** lifetime Sparks → {role} · granted to {count}',
  'tier.list_footer':
    'Granted once when a member reaches the threshold; a role a moderator removes by hand stays removed.',
  'tier.unsafe.role_missing': 'that role no longer exists. Pick another role.',
  'tier.unsafe.role_managed':
    'that role is managed by an integration (or is @everyone), so no bot can assign it. Create a normal role for the tier.',
  'tier.unsafe.role_dangerous':
    'it carries powerful permissions ({permissions}). Remove them from the role in Server Settings → Roles, or pick another role.',
  'tier.unsafe.role_too_high':
    'it sits at or above my highest role. In Server Settings → Roles, drag the Sparks role above it.',
  'tier.unsafe.bot_missing_permission':
    'I do not have the Manage Roles permission. Give it to the Sparks role in Server Settings → Roles.',
  'tier.invalid.moderator_role':
    'it is the moderator role, so every member reaching the tier would become a moderator. Pick another role.',
  'tier.invalid.too_many': 'a server can have at most {max} tiers. Remove one first.',
  'tier.audit_grant': 'Sparks tier: reached {threshold} lifetime Sparks',
  'tier.audit_remove': 'Sparks tier: lifetime Sparks fell below {threshold}',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'balance.title': '✨ {name}님의 Sparks',
  'balance.title_self': '✨ 내 Sparks',
  'balance.balance': '잔액',
  'balance.lifetime': '누적 적립',
  'balance.rank': '순위',
  'balance.rank_value': '{rank}위',
  'balance.unranked': '순위 없음',
  'balance.unranked_excluded': '순위 없음 (순위표 제외 대상)',
  'balance.empty': '아직 Sparks가 없습니다. 커뮤니티 캠페인에 참여하거나 플랫폼에서 거래해 보세요!',
  'balance.tier': '등급',
  'balance.tier_none': '아직 등급 없음',
  'balance.next_tier': '다음 등급',
  'balance.next_tier_value': '{role}까지 {amount} Sparks',
  'balance.top_tier': '최고 등급 달성',
  'balance.badges': '배지',
  'balance.badges_none': '아직 배지가 없습니다. `/sparks shop`에서 찾아보세요.',
  'balance.badge_count': '{name} ×{count}',
  'balance.card_alt': '{name}님의 Sparks 카드: {balance}, 순위 {rank}',

  'history.title_self': '📜 내 Sparks 내역',
  'history.title': '📜 {name}님의 Sparks 내역',
  'history.empty': '아직 내역이 없습니다.',
  'history.end': '더 이상 내역이 없습니다.',
  'history.footer': '{page}페이지 · 최신순',
  'history.reason': '사유: {reason}',
  'history.source.award': '{moderator}님의 지급',
  'history.source.revoke': '{moderator}님의 회수',
  'history.source.campaign': '캠페인 “{name}”',
  'history.source.quest': '퀘스트 “{name}”',
  'history.source.quest_unknown': '퀘스트',
  'history.source.campaign_unknown': '캠페인',
  'history.source.trade': '플랫폼 거래',
  'history.source.subscription': '구독',
  'history.source.referral': '추천 보너스',
  'history.source.redemption': '“{reward}” 교환',
  'history.source.redemption_unknown': '보상 교환',
  'history.source.refund': '“{reward}” 환불',
  'history.source.refund_unknown': '환불',
  'history.source.reversal': '정정: {source}',
  'history.source.other': '원장 내역',

  'leaderboard.title': '🏆 Sparks 순위표',
  'leaderboard.card_title': 'Sparks 순위표',
  'leaderboard.period.all': '전체 기간 · 잔액 기준',
  'leaderboard.period.month': '이번 달 ({month}) · 적립 기준',
  'leaderboard.period.week': '이번 주 ({start}부터) · 적립 기준',
  'leaderboard.choice.all': '전체 기간 (잔액)',
  'leaderboard.choice.month': '이번 달',
  'leaderboard.choice.week': '이번 주',
  'leaderboard.empty': '아직 순위표에 아무도 없습니다. Sparks를 모아 첫 번째가 되어 보세요!',
  'leaderboard.you': '내 순위: **{rank}위** · {score}',
  'leaderboard.you_card': '내 순위: {rank}위 · {score}',
  'leaderboard.you_excluded': '순위에 포함되지 않습니다: 내 역할은 순위표에서 제외됩니다.',
  'leaderboard.you_none': '아직 순위가 없습니다: Sparks를 모으면 순위에 오릅니다.',
  'leaderboard.you_none_card': '아직 순위 없음',
  'leaderboard.clamped': '요청한 페이지가 더 이상 없어 마지막 페이지를 보여 드립니다.',
  'leaderboard.footer': '{pages}페이지 중 {page}페이지 · {total}명',

  'privacy.now_hidden':
    '완료: 이제 웹 리더보드에서 내 자리에 “멤버 (숨김)”이 보입니다. 순위는 그대로라서 여기의 순위표와 같습니다.',
  'privacy.now_shown': '완료: 웹 리더보드에 다시 내 이름과 사진이 보입니다.',
  'privacy.state_hidden':
    '웹 리더보드에서 숨김 상태입니다. 다시 보이려면 `/sparks privacy leaderboard:shown`을 쓰세요.',
  'privacy.state_shown':
    '웹 리더보드에 내 이름이 보입니다. 숨기려면 `/sparks privacy leaderboard:hidden`을 쓰세요.',

  'tier.set_done':
    '✅ 이제 {role} 역할은 **누적 {threshold} Sparks** 등급입니다. 현재 {qualifying}명이 조건을 충족하며 곧 역할을 받습니다.',
  'tier.updated':
    '✅ {role} 역할의 기준이 **누적 {threshold} Sparks**로 바뀌었습니다 (이전 {previous}). 현재 {qualifying}명이 충족합니다.',
  'tier.raised':
    '새 기준에 못 미치는 멤버에게서는 봇이 준 역할이 회수됩니다. 등급은 항상 “누적 적립 ≥ 기준”을 뜻합니다.',
  'tier.removed':
    '{role} 역할은 더 이상 등급 역할이 아닙니다 (기준: 누적 {threshold} Sparks). 이미 가진 멤버는 그대로 유지하며, 앞으로 지급하지 않습니다.',
  'tier.list_title': '🎖️ 등급 역할',
  'tier.list_empty': '아직 등급 역할이 없습니다. `/sparks-admin tier set`으로 추가하세요.',
  'tier.list_row': '누적 **{threshold}** Sparks → {role} · {count}명 지급',
  'tier.list_footer':
    '멤버가 기준에 도달하면 한 번 지급합니다. 모더레이터가 직접 회수한 역할은 다시 지급하지 않습니다.',
  'tier.unsafe.role_missing': '해당 역할이 더 이상 존재하지 않습니다. 다른 역할을 선택하세요.',
  'tier.unsafe.role_managed':
    '연동(integration)이 관리하는 역할이거나 @everyone이라 봇이 지급할 수 없습니다. 등급용 일반 역할을 만드세요.',
  'tier.unsafe.role_dangerous':
    '강력한 권한({permissions})이 있습니다. 서버 설정 → 역할에서 해당 권한을 제거하거나 다른 역할을 선택하세요.',
  'tier.unsafe.role_too_high':
    '봇의 가장 높은 역할과 같거나 더 높은 위치에 있습니다. 서버 설정 → 역할에서 Sparks 역할을 그 위로 옮기세요.',
  'tier.unsafe.bot_missing_permission':
    '봇에게 역할 관리 권한이 없습니다. 서버 설정 → 역할에서 Sparks 역할에 역할 관리 권한을 주세요.',
  'tier.invalid.moderator_role':
    '모더레이터 역할이므로, 등급에 도달한 모든 멤버가 모더레이터가 됩니다. 다른 역할을 선택하세요.',
  'tier.invalid.too_many': '서버당 등급은 최대 {max}개입니다. 먼저 하나를 삭제하세요.',
  'tier.audit_grant': 'Sparks 등급: 누적 {threshold} Sparks 달성',
  'tier.audit_remove': 'Sparks 등급: 누적 Sparks가 {threshold} 미만으로 감소',
};
