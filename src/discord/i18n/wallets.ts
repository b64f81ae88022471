/** Wallets and the gates' words (SPEC §11): why a gate refused, what links a wallet. */
export const en = {
  'wallet.required.link': 'Link one on your wallets page: {url}',
  'wallet.required.no_site': 'This server’s Sparks website is not set up, so ask a moderator.',
  'wallet.chain.evm': 'Ethereum (EVM)',
  'wallet.chain.solana': 'Solana',
  'wallet.chain.any': 'any',
  'audit.title.wallet.linked': '👛 Wallet linked',
  'audit.title.wallet.unlinked': '👛 Wallet unlinked',
  'gate.notice':
    'Your {emoji} reaction in **{campaign}** did not earn Sparks: {reason} (You are told this once for this campaign.)',
  'gate.notice_reply': '<@{userId}> {notice}',
  'campaign.field.min_account_days': 'Account at least',
  'campaign.field.min_account_days_value': '{days} day(s) old',
  'campaign.field.verified_wallet': 'Linked wallet',
  'campaign.field.verified_wallet_value': 'required',
  'audit.field.min_account_days': 'Min. account age (days)',
  'audit.field.verified_wallet': 'Linked wallet required',
  'audit.field.chain': 'Chain',
  'audit.field.address': 'Address',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'wallet.required.link': '지갑 페이지에서 연결하세요: {url}',
  'wallet.required.no_site': '이 서버의 Sparks 웹사이트가 설정되지 않았으니 모더레이터에게 문의하세요.',
  'wallet.chain.evm': '이더리움 (EVM)',
  'wallet.chain.solana': '솔라나',
  'wallet.chain.any': '아무',
  'audit.title.wallet.linked': '👛 지갑 연결',
  'audit.title.wallet.unlinked': '👛 지갑 연결 해제',
  'gate.notice':
    '**{campaign}**에 남긴 {emoji} 반응으로는 Sparks가 적립되지 않았습니다: {reason} (이 캠페인에서는 한 번만 알려 드립니다.)',
  'gate.notice_reply': '<@{userId}> {notice}',
  'campaign.field.min_account_days': '최소 계정 나이',
  'campaign.field.min_account_days_value': '{days}일 이상',
  'campaign.field.verified_wallet': '연결된 지갑',
  'campaign.field.verified_wallet_value': '필요',
  'audit.field.min_account_days': '최소 계정 나이(일)',
  'audit.field.verified_wallet': '연결된 지갑 필요',
  'audit.field.chain': '체인',
  'audit.field.address': '주소',
};
