/** Identity and abuse (SPEC §11): flags, and the referral quality members and moderators see. */
export const en = {
  'flag.done':
    '🚩 {member} is flagged for review: “{reason}”. They keep earning, but cannot redeem, enter raffles or win season prizes until someone runs `/sparks-admin unflag`.',
  'flag.cleared': '✅ {member} is no longer flagged (“{reason}”). The flag said: “{was}”.',
  'flags.title': '🚩 Flagged members ({total} open)',
  'flags.title_all': '🚩 Every flag ({total})',
  'flags.none': 'No member is flagged right now.',
  'flags.none_ever': 'No member has ever been flagged.',
  'flags.page': 'Page {page} of {pages}',
  'flags.line': '{member} · by {by} <t:{at}:R>\n> {reason}',
  'flags.line_cleared': '✅ cleared by {by} <t:{at}:R>: {reason}',
  'flags.source.moderator': 'a moderator',
  'flags.source.wallet_shared': 'the wallet check (one wallet, two members)',
  'flags.source.young_invitee': 'the referral check (a very new account)',
  'flags.source.fresh_referrals': 'the referral check (many new accounts in a day)',
  'flags.source.auto': 'an automatic check',
  'audit.title.flag.raised': '🚩 Member flagged',
  'audit.title.flag.cleared': '✅ Flag cleared',
  'audit.field.flag_source': 'Raised by',
  'audit.field.flag_reason': 'The flag said',
  'referrals.title': '🤝 Your referrals ({total})',
  'referrals.none':
    'You have not referred anyone yet. Members who sign up on the platform with your referral show here.',
  'referrals.unnamed': 'An invitee outside this server',
  'referrals.pending':
    '⏳ {who} · **pending**: {pending} Sparks waiting · {volume} of {target} USD traded, until <t:{until}:D>',
  'referrals.qualified': '✅ {who} · **qualified**: earned you {credited} Sparks',
  'referrals.lapsed':
    '⌛ {who} · **lapsed** <t:{at}:D>: {lapsed} Sparks did not count · earned you {credited} Sparks',
  'referrals.rule':
    'Your share of an invitee’s Sparks waits until they trade {usd} USD within {days} days of the referral.',
  'referrals.rule_off': 'Your share of an invitee’s Sparks is credited as they earn.',
  'referrals.more': 'the newest {shown} of {total}',
};

export const ko: Record<keyof typeof en, string> = {
  'flag.done':
    '🚩 {member} 님을 검토 대상으로 표시했습니다: “{reason}”. 적립은 계속되지만 `/sparks-admin unflag`로 해제될 때까지 교환, 추첨 응모, 시즌 상품 수령을 할 수 없습니다.',
  'flag.cleared': '✅ {member} 님의 검토 표시를 해제했습니다 (“{reason}”). 원래 사유: “{was}”.',
  'flags.title': '🚩 검토 대상 멤버 ({total}명)',
  'flags.title_all': '🚩 전체 검토 기록 ({total}건)',
  'flags.none': '지금 검토 대상으로 표시된 멤버가 없습니다.',
  'flags.none_ever': '검토 대상으로 표시된 적이 있는 멤버가 없습니다.',
  'flags.page': '{pages}쪽 중 {page}쪽',
  'flags.line': '{member} · {by} <t:{at}:R>\n> {reason}',
  'flags.line_cleared': '✅ {by} 님이 해제 <t:{at}:R>: {reason}',
  'flags.source.moderator': '모더레이터',
  'flags.source.wallet_shared': '지갑 확인 (한 지갑, 두 멤버)',
  'flags.source.young_invitee': '추천 확인 (아주 새 계정)',
  'flags.source.fresh_referrals': '추천 확인 (하루에 새 계정 여럿)',
  'flags.source.auto': '자동 확인',
  'audit.title.flag.raised': '🚩 검토 대상 표시',
  'audit.title.flag.cleared': '✅ 검토 표시 해제',
  'audit.field.flag_source': '표시한 주체',
  'audit.field.flag_reason': '원래 사유',
  'referrals.title': '🤝 내 추천 ({total}명)',
  'referrals.none': '아직 추천한 사람이 없습니다. 플랫폼에서 내 추천으로 가입한 멤버가 여기에 표시됩니다.',
  'referrals.unnamed': '이 서버에 없는 피추천인',
  'referrals.pending':
    '⏳ {who} · **보류**: {pending} Sparks 대기 중 · {target} USD 중 {volume} USD 거래, <t:{until}:D>까지',
  'referrals.qualified': '✅ {who} · **인정됨**: {credited} Sparks 적립',
  'referrals.lapsed': '⌛ {who} · **소멸** <t:{at}:D>: {lapsed} Sparks 미적립 · {credited} Sparks 적립',
  'referrals.rule': '피추천인이 추천 후 {days}일 안에 {usd} USD를 거래해야 내 몫이 적립됩니다.',
  'referrals.rule_off': '피추천인이 적립할 때 내 몫도 바로 적립됩니다.',
  'referrals.more': '전체 {total}명 중 최근 {shown}명',
};
