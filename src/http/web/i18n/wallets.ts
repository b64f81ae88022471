/** The member's wallets page (SPEC §11): linking by signature, unlinking. */
export const en = {
  'nav.wallets': 'Wallets',
  'wallets.title': 'Your wallets in {guild}',
  'wallets.lead':
    'Link a wallet by signing a message with it: no transaction, no fee. A wallet can belong to one member of this server only; rewards that need a wallet use the one you link here.',
  'wallets.none': 'You have not linked a wallet yet.',
  'wallets.caption': 'Linked wallets',
  'wallets.col_chain': 'Chain',
  'wallets.col_address': 'Address',
  'wallets.col_linked': 'Linked',
  'wallets.col_actions': 'Actions',
  'wallets.chain.evm': 'Ethereum (EVM)',
  'wallets.chain.solana': 'Solana',
  'wallets.unlink': 'Unlink {address}',
  'wallets.unlink_short': 'Unlink',
  'wallets.unlink_confirm': 'Unlink {address}? Rewards that need a wallet will no longer use it.',
  'wallets.link_title': 'Link a wallet',
  'wallets.link_evm': 'Link an Ethereum wallet',
  'wallets.link_solana': 'Link a Solana wallet',
  'wallets.link_hint':
    'Your wallet asks you to sign a message naming {domain}, a one-time code and an expiry 10 minutes ahead. Check that it names this site before you sign.',
  'wallets.noscript': 'Linking a wallet needs JavaScript and a wallet in your browser.',
  'wallets.no_evm': 'No Ethereum wallet was found in this browser. Install or unlock one, then try again.',
  'wallets.no_solana': 'No Solana wallet was found in this browser. Install or unlock one, then try again.',
  'wallets.signing': 'Check your wallet: it asks you to sign the message.',
  'wallets.failed': 'The wallet did not sign (it was cancelled or failed). Nothing was linked.',
  'wallets.reload':
    'The site did not accept the request (your login may have ended). Reload the page and try again.',
  'wallets.linked': 'Linked {address}.',
  'wallets.unlinked': 'Unlinked {address}.',
  'shop.gate.title': 'Who may redeem',
  'shop.gate.member_days': 'Members of this server for {days} days or more',
  'shop.gate.account_days': 'Discord accounts {days} days old or more',
  'shop.gate.wallet': 'Members with a linked wallet',
} as const;

export const ko: Record<keyof typeof en, string> = {
  'nav.wallets': '지갑',
  'wallets.title': '{guild}에서 내 지갑',
  'wallets.lead':
    '지갑으로 메시지에 서명해 연결합니다. 거래도 수수료도 없습니다. 지갑 하나는 이 서버의 멤버 한 명에게만 연결되며, 지갑이 필요한 보상은 여기서 연결한 지갑을 씁니다.',
  'wallets.none': '아직 연결한 지갑이 없습니다.',
  'wallets.caption': '연결된 지갑',
  'wallets.col_chain': '체인',
  'wallets.col_address': '주소',
  'wallets.col_linked': '연결 시각',
  'wallets.col_actions': '작업',
  'wallets.chain.evm': '이더리움 (EVM)',
  'wallets.chain.solana': '솔라나',
  'wallets.unlink': '{address} 연결 해제',
  'wallets.unlink_short': '연결 해제',
  'wallets.unlink_confirm': '{address} 연결을 해제할까요? 지갑이 필요한 보상에 더 이상 쓰이지 않습니다.',
  'wallets.link_title': '지갑 연결',
  'wallets.link_evm': '이더리움 지갑 연결',
  'wallets.link_solana': '솔라나 지갑 연결',
  'wallets.link_hint':
    '지갑이 {domain}, 일회용 코드, 10분 뒤 만료 시각이 적힌 메시지에 서명을 요청합니다. 서명하기 전에 이 사이트 이름이 맞는지 확인하세요.',
  'wallets.noscript': '지갑을 연결하려면 JavaScript와 브라우저 지갑이 필요합니다.',
  'wallets.no_evm':
    '이 브라우저에서 이더리움 지갑을 찾지 못했습니다. 지갑을 설치하거나 잠금 해제한 뒤 다시 시도하세요.',
  'wallets.no_solana':
    '이 브라우저에서 솔라나 지갑을 찾지 못했습니다. 지갑을 설치하거나 잠금 해제한 뒤 다시 시도하세요.',
  'wallets.signing': '지갑을 확인하세요: 메시지 서명을 요청합니다.',
  'wallets.failed': '지갑이 서명하지 않았습니다(취소 또는 실패). 연결된 것은 없습니다.',
  'wallets.reload':
    '사이트가 요청을 받지 않았습니다(로그인이 끝났을 수 있습니다). 페이지를 새로 고친 뒤 다시 시도하세요.',
  'wallets.linked': '{address} 지갑을 연결했습니다.',
  'wallets.unlinked': '{address} 지갑 연결을 해제했습니다.',
  'shop.gate.title': '교환 가능 대상',
  'shop.gate.member_days': '이 서버에 {days}일 이상 있은 멤버',
  'shop.gate.account_days': '{days}일 이상 된 Discord 계정',
  'shop.gate.wallet': '지갑을 연결한 멤버',
};
