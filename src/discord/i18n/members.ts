export const en = {
  'balance.title': '✨ Sparks of {name}',
  'balance.title_self': '✨ Your Sparks',
  'balance.balance': 'Balance',
  'balance.lifetime': 'Lifetime earned',
  'balance.rank': 'Rank',
  'balance.rank_value': '#{rank}',
  'balance.unranked': 'not ranked',
  'balance.empty':
    'No Sparks yet. Join a community campaign, trade on the platform, or ask about ways to earn!',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'balance.title': '✨ {name}님의 Sparks',
  'balance.title_self': '✨ 내 Sparks',
  'balance.balance': '잔액',
  'balance.lifetime': '누적 적립',
  'balance.rank': '순위',
  'balance.rank_value': '{rank}위',
  'balance.unranked': '순위 없음',
  'balance.empty': '아직 Sparks가 없습니다. 커뮤니티 캠페인에 참여하거나 플랫폼에서 거래해 보세요!',
};
