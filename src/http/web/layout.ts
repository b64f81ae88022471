import { html, type Html, MIDDOT, SPARKLE } from './html.ts';
import type { Locale, WebTranslate } from './i18n/index.ts';
import type { Session } from './session.ts';
import { STYLESHEET_PATH, SCRIPT_PATH } from './assets.ts';

export interface PageContext {
  t: WebTranslate;
  locale: Locale;
  session: Session | null;
  /** The CSRF token for this visitor's forms (hidden field `_csrf`). */
  csrf: () => string;
  /** The request's path and query, for the language switcher and login's `next`. */
  path: string;
}

export interface GuildNav {
  id: string;
  name: string;
  iconUrl: string | null;
  /** Show the dashboard link (the visitor may manage Sparks here). */
  admin: boolean;
  current: 'leaderboard' | 'me' | 'shop' | 'admin' | 'season' | 'raffles' | 'wallets';
}

/** A hidden CSRF field for a form that changes something. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf()}" />`;
}

export function avatarUrl(userId: string, hash: string | null): string | null {
  return hash ? `https://cdn.discordapp.com/avatars/${userId}/${hash}.png?size=64` : null;
}

/** The page shell: skip link, header with navigation, language switcher, login/logout. */
export function page(
  ctx: PageContext,
  o: {
    title: string;
    guild?: GuildNav;
    body: Html;
    /** False on pages served outside the web's context (the bare 404): no CSRF, no forms. */
    forms?: boolean;
  },
): Html {
  const { t, session } = ctx;
  const g = o.guild;
  const navLink = (key: GuildNav['current'], href: string, label: string) =>
    html`<a href="${href}" ${g?.current === key ? html` aria-current="page"` : ''}>${label}</a>`;
  const other: Locale = ctx.locale === 'en' ? 'ko' : 'en';
  return html`<!doctype html>
    <html lang="${ctx.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} ${MIDDOT} Sparks</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
        <script src="${SCRIPT_PATH}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">${t('site.skip')}</a>
        <header class="top">
          <a class="brand" href="/">${SPARKLE} ${t('site.name')}</a>
          ${
            g
              ? html`<nav aria-label="${g.name}">
                  ${navLink('leaderboard', `/g/${g.id}/leaderboard`, t('nav.leaderboard'))}
                  ${navLink('me', `/g/${g.id}/me`, t('nav.me'))}
                  ${navLink('shop', `/g/${g.id}/shop`, t('nav.shop'))}
                  ${navLink('season', `/g/${g.id}/season`, t('nav.season'))}
                  ${navLink('raffles', `/g/${g.id}/raffles`, t('nav.raffles'))}
                  ${navLink('wallets', `/g/${g.id}/wallets`, t('nav.wallets'))}
                  ${g.admin ? navLink('admin', `/g/${g.id}/admin`, t('nav.admin')) : ''}
                </nav>`
              : ''
          }
          <div class="account">
            ${
              o.forms === false
                ? ''
                : html`<form method="post" action="/lang" class="inline">
                    ${csrfField(ctx)}
                    <input type="hidden" name="next" value="${ctx.path}" />
                    <button type="submit" name="lang" value="${other}" lang="${other}">
                      ${other === 'ko' ? '한국어' : 'English'}
                    </button>
                  </form>`
            }
            ${
              session
                ? html`<span class="who">${session.name}</span>
                    <form method="post" action="/auth/logout" class="inline">
                      ${csrfField(ctx)}<button type="submit">${t('nav.logout')}</button>
                    </form>`
                : html`<a class="button" href="/auth/login?next=${encodeURIComponent(ctx.path)}"
                    >${t('nav.login')}</a
                  >`
            }
          </div>
        </header>
        <main id="main">${o.body}</main>
        <footer><p>${t('site.footer')}</p></footer>
      </body>
    </html>`;
}
