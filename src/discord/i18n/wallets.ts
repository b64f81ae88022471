/** Wallets and the gates' words (SPEC §11): why a gate refused, what links a wallet. */
export const en = {
  'wallet.required.link': 'Link one on your wallets page: {url}',
  'wallet.required.no_site': 'This server’s Sparks website is not set up, so ask a moderator.',
  'wallet.chain.evm': 'Ethereum (EVM)',
  'wallet.chain.solana': 'Solana',
  'wallet.chain.any': 'any',
  'audit.title.wallet.linked': '👛 Wallet linked',
  'audit.title.wallet.unlinked': '👛 Wallet unlinked',
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
  'audit.field.chain': '체인',
  'audit.field.address': '주소',
};
