/**
 * The web's words, in the same catalogue style as the bot's (src/discord/i18n): one
 * English object whose keys every other language must have (the type checks it), and
 * `{param}` placeholders filled by `translate`. The language comes from the visitor's
 * `lang` cookie (the switcher sets it) or else their Accept-Language header.
 */
import { translateFrom, type Locale, type Params } from '../../core/i18n.ts';

export type { Locale } from '../../core/i18n.ts';

const en = {
  'site.name': 'Sparks',
  'site.skip': 'Skip to content',
  'site.language': 'Language',
  'site.footer': 'Sparks are reward points, not Credits.',
  'nav.leaderboard': 'Leaderboard',
  'nav.me': 'My Sparks',
  'nav.shop': 'Shop',
  'nav.admin': 'Dashboard',
  'nav.login': 'Log in with Discord',
  'nav.logout': 'Log out',
  'nav.servers': 'Your servers',
  'home.title': 'Sparks',
  'home.lead': 'Earn Sparks in your community, climb the leaderboard and redeem rewards.',
  'home.login_hint': 'Log in with Discord to see your Sparks in every server that uses them.',
  'home.servers': 'Your servers with Sparks',
  'home.no_servers': 'None of your servers uses Sparks yet.',
  'leaderboard.title': 'Leaderboard · {guild}',
  'leaderboard.period.all': 'All time',
  'leaderboard.period.month': 'This month',
  'leaderboard.period.week': 'This week',
  'leaderboard.periods': 'Period',
  'leaderboard.rank': 'Rank',
  'leaderboard.member': 'Member',
  'leaderboard.sparks': 'Sparks',
  'leaderboard.empty': 'Nobody has earned Sparks in this period yet.',
  'leaderboard.you': 'You',
  'leaderboard.your_rank': 'Your rank: #{rank} with {score} Sparks',
  'leaderboard.you_unranked': 'You are not ranked on this board yet.',
  'leaderboard.you_hidden': 'You are hidden from the web leaderboard. Change it on your page.',
  'leaderboard.hidden_member': 'A member (hidden)',
  'leaderboard.unknown_member': 'A former member',
  'leaderboard.page': 'Page {page} of {pages}',
  'leaderboard.prev': 'Previous',
  'leaderboard.next': 'Next',
  'leaderboard.pages': 'Pages',
  'leaderboard.off': 'This server does not show its leaderboard on the web.',
  'error.title': 'Something is not right',
  'error.back': 'Back to the start',
  'error.400': 'That request was not valid: {detail}',
  'error.401': 'Please log in to see this page.',
  'error.403': 'You are not allowed to do that here.',
  'error.403_admin': 'Only members with Manage Server or the moderator role can use the dashboard.',
  'error.403_csrf': 'This form expired or did not come from this site. Reload the page and try again.',
  'error.404': 'There is nothing here.',
  'error.404_guild': 'This server does not use Sparks, or you are not a member of it.',
  'error.429': 'Too many requests. Wait a minute and try again.',
  'error.500': 'Something went wrong on our side. Reference: {ref}',
  'error.login_failed': 'Discord login did not complete: {reason}. Try again.',
  'error.login_state': 'the login was started in another browser or took too long',
  'error.login_denied': 'you did not allow the login',
  'error.login_discord': 'Discord did not accept the login',
} as const;

export type WebKey = keyof typeof en;

const ko: Record<WebKey, string> = {
  'site.name': 'Sparks',
  'site.skip': '본문으로 건너뛰기',
  'site.language': '언어',
  'site.footer': 'Sparks는 리워드 포인트이며 크레딧이 아닙니다.',
  'nav.leaderboard': '리더보드',
  'nav.me': '내 Sparks',
  'nav.shop': '상점',
  'nav.admin': '대시보드',
  'nav.login': 'Discord로 로그인',
  'nav.logout': '로그아웃',
  'nav.servers': '내 서버',
  'home.title': 'Sparks',
  'home.lead': '커뮤니티에서 Sparks를 모으고, 리더보드에 오르고, 리워드로 교환하세요.',
  'home.login_hint': 'Discord로 로그인하면 Sparks를 쓰는 모든 서버의 내 Sparks를 볼 수 있습니다.',
  'home.servers': 'Sparks를 쓰는 내 서버',
  'home.no_servers': '아직 Sparks를 쓰는 서버가 없습니다.',
  'leaderboard.title': '리더보드 · {guild}',
  'leaderboard.period.all': '전체',
  'leaderboard.period.month': '이번 달',
  'leaderboard.period.week': '이번 주',
  'leaderboard.periods': '기간',
  'leaderboard.rank': '순위',
  'leaderboard.member': '멤버',
  'leaderboard.sparks': 'Sparks',
  'leaderboard.empty': '이 기간에 아직 Sparks를 모은 사람이 없습니다.',
  'leaderboard.you': '나',
  'leaderboard.your_rank': '내 순위: {score} Sparks로 {rank}위',
  'leaderboard.you_unranked': '아직 이 리더보드에 순위가 없습니다.',
  'leaderboard.you_hidden': '웹 리더보드에서 숨김 상태입니다. 내 페이지에서 바꿀 수 있습니다.',
  'leaderboard.hidden_member': '멤버 (숨김)',
  'leaderboard.unknown_member': '이전 멤버',
  'leaderboard.page': '{pages}쪽 중 {page}쪽',
  'leaderboard.prev': '이전',
  'leaderboard.next': '다음',
  'leaderboard.pages': '페이지',
  'leaderboard.off': '이 서버는 웹에서 리더보드를 공개하지 않습니다.',
  'error.title': '문제가 있습니다',
  'error.back': '처음으로',
  'error.400': '요청이 올바르지 않습니다: {detail}',
  'error.401': '이 페이지를 보려면 로그인하세요.',
  'error.403': '여기서는 그 작업을 할 수 없습니다.',
  'error.403_admin': '서버 관리 권한 또는 모더레이터 역할이 있는 멤버만 대시보드를 쓸 수 있습니다.',
  'error.403_csrf':
    '이 양식이 만료되었거나 이 사이트에서 온 것이 아닙니다. 페이지를 새로고침하고 다시 시도하세요.',
  'error.404': '여기에는 아무것도 없습니다.',
  'error.404_guild': '이 서버는 Sparks를 쓰지 않거나, 이 서버의 멤버가 아닙니다.',
  'error.429': '요청이 너무 많습니다. 잠시 후 다시 시도하세요.',
  'error.500': '저희 쪽에서 문제가 생겼습니다. 참조 번호: {ref}',
  'error.login_failed': 'Discord 로그인이 끝나지 않았습니다: {reason}. 다시 시도하세요.',
  'error.login_state': '다른 브라우저에서 로그인을 시작했거나 시간이 너무 오래 걸렸습니다',
  'error.login_denied': '로그인을 허용하지 않았습니다',
  'error.login_discord': 'Discord가 로그인을 받아들이지 않았습니다',
};

const catalogue: Record<Locale, Record<string, string>> = { en, ko };

export type WebTranslate = (key: WebKey, params?: Params) => string;

export function webTranslator(locale: Locale): WebTranslate {
  return (key, params) => translateFrom(catalogue, locale, key, params);
}

/**
 * The visitor's language: the switcher's cookie when set, else the first of their
 * Accept-Language tags (by q-value) that we speak, else English.
 */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookie === 'en' || cookie === 'ko') return cookie;
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((t) => t.tag && Number.isFinite(t.q) && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    if (tag === 'ko' || tag.startsWith('ko-')) return 'ko';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
