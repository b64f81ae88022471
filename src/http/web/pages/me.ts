import { referralsSection } from './me-referrals.ts';
import { DAY_MS } from '../../../core/clock.ts';
import {
  HISTORY_KINDS,
  HISTORY_SOURCES,
  type EntrySource,
  type HistoryFilter,
  type HistoryKind,
  type HistorySource,
  type HistoryView,
  type Profile,
} from '../../../members/members.ts';
import { nextMilestone, type Milestone } from '../../../streaks/milestones.ts';
import { MAX_FREEZES, type StreakStanding } from '../../../streaks/streaks.ts';
import { horizontalBars } from '../charts.ts';
import { WebError } from '../errors.ts';
import { html, type Html, MEDAL } from '../html.ts';
import type { WebKey } from '../i18n/index.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';
import { dataTable, pager } from '../table.ts';
import { formatScore } from './leaderboard.ts';
import type { MemberAccess } from '../guards.ts';
import { LINKED_ROLE_PATH } from '../oauth.ts';

export const WEB_HISTORY_PAGE_SIZE = 25;
const PRIVACY_CHOICES = ['shown', 'hidden'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURSOR = /^\d{1,16}$/;

/** The history's filters and page as the page's query string says them (already checked). */
interface MeQuery {
  kind: HistoryKind | null;
  source: HistorySource | null;
  /** As given (YYYY-MM-DD), to fill the form back in. */
  fromText: string;
  toText: string;
  filter: HistoryFilter;
  before: number | null;
  after: number | null;
  done: (typeof PRIVACY_CHOICES)[number] | null;
}

/**
 * Reads the page's query. Every filter is optional; a value that is present but not one
 * the form offers, a date that is not a real YYYY-MM-DD day, a range that ends before it
 * starts or a broken page link is refused (400), never silently ignored: the visitor would
 * otherwise read an unfiltered history as a filtered one.
 */
function parseQuery(ctx: PageContext, query: Record<string, unknown>): MeQuery {
  const bad = (key: WebKey, params: Record<string, string> = {}) =>
    new WebError(400, 'error.400', { detail: ctx.t(key, params) });
  const oneOf = <T extends string>(name: string, values: readonly T[], key: WebKey): T | null => {
    const v = query[name];
    if (v === undefined || v === '' || v === 'all') return null;
    const found = values.find((x) => x === v);
    if (!found) throw bad(key);
    return found;
  };
  const day = (name: 'from' | 'to', label: WebKey): number | null => {
    const v = query[name];
    if (v === undefined || v === '') return null;
    const m = typeof v === 'string' ? DATE.exec(v) : null;
    const at = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
    // Date.UTC rolls 2025-02-30 over to March: a real day reads back as itself.
    if (!m || Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== v)
      throw bad('me.bad_date', { field: ctx.t(label) });
    return at;
  };
  const cursor = (name: string): number | null => {
    const v = query[name];
    if (v === undefined) return null;
    if (typeof v !== 'string' || !CURSOR.test(v)) throw bad('me.bad_cursor');
    return Number(v);
  };
  const kind = oneOf('kind', HISTORY_KINDS, 'me.bad_kind');
  const source = oneOf('source', HISTORY_SOURCES, 'me.bad_source');
  const from = day('from', 'me.filter_from');
  const toDay = day('to', 'me.filter_to');
  if (from !== null && toDay !== null && from > toDay) throw bad('me.bad_range');
  const before = cursor('before');
  const after = cursor('after');
  if (before !== null && after !== null) throw bad('me.bad_cursor');
  const filter: HistoryFilter = {};
  if (kind) filter.kind = kind;
  if (source) filter.source = source;
  if (from !== null) filter.from = from;
  // "To" names a day and includes it: entries before the next midnight (UTC).
  if (toDay !== null) filter.to = toDay + DAY_MS;
  const done = PRIVACY_CHOICES.find((c) => c === query.done) ?? null;
  return {
    kind,
    source,
    fromText: from === null ? '' : String(query.from),
    toText: toDay === null ? '' : String(query.to),
    filter,
    before,
    after,
    done,
  };
}

function numberIn(ctx: PageContext) {
  return (n: number) => formatScore(ctx, n);
}

function standing(ctx: PageContext, p: Profile): Html {
  const { t } = ctx;
  const n = numberIn(ctx);
  const rank =
    p.rank !== null
      ? t('me.rank_value', { rank: n(p.rank) })
      : p.ranked
        ? t('me.unranked')
        : t('me.unranked_excluded');
  return html`<div class="grid">
    <div class="card">
      <p class="muted">${t('me.balance')}</p>
      <p class="stat">${n(p.balance)}</p>
    </div>
    <div class="card">
      <p class="muted">${t('me.lifetime')}</p>
      <p class="stat">${n(p.lifetimeEarned)}</p>
    </div>
    <div class="card">
      <p class="muted">${t('me.rank')}</p>
      <p class="stat">${rank}</p>
    </div>
  </div>`;
}

function tierSection(ctx: PageContext, p: Profile): Html {
  const { t } = ctx;
  const n = numberIn(ctx);
  const { tiers, current, next, needed } = p.tier;
  if (tiers.length === 0) return html`<p class="muted">${t('me.no_tiers')}</p>`;
  const position = current ? tiers.findIndex((x) => x.roleId === current.roleId) + 1 : 0;
  const label = current ? t('me.tier_value', { tier: position, tiers: tiers.length }) : t('me.tier_none');
  let progress: Html;
  if (next) {
    const base = current?.threshold ?? 0;
    const words = t('me.tier_progress_text', {
      earned: n(p.lifetimeEarned),
      threshold: n(next.threshold),
      needed: n(needed ?? next.threshold - p.lifetimeEarned),
    });
    progress = html`<label for="tier-progress">${t('me.tier_progress')}</label>
      <progress
        id="tier-progress"
        max="${next.threshold - base}"
        value="${p.lifetimeEarned - base}"
        aria-describedby="tier-progress-text"
      ></progress>
      <p class="hint" id="tier-progress-text">${words}</p>`;
  } else {
    progress = html`<p>${t('me.tier_top')}</p>`;
  }
  return html`<p class="stat">${label}</p>
    ${progress}`;
}

function badgeSection(ctx: PageContext, p: Profile): Html {
  const { t } = ctx;
  if (p.badges.length === 0) return html`<p class="muted">${t('me.badges_none')}</p>`;
  return html`<ul class="badges">
    ${p.badges.map(
      (b) =>
        html`<li>
          ${MEDAL}
          ${b.count > 1 ? t('me.badge_count', { name: b.name, count: formatScore(ctx, b.count) }) : b.name}
        </li>`,
    )}
  </ul>`;
}

/** The streak card: the live streak (or none), the best, today's state, freezes, the next bonus. */
function streakSection(ctx: PageContext, s: StreakStanding, milestones: readonly Milestone[]): Html {
  const { t } = ctx;
  const n = numberIn(ctx);
  const next = nextMilestone(milestones, s.current);
  const today =
    s.current === 0 ? 'me.streak_start' : s.today ? 'me.streak_today_done' : 'me.streak_today_pending';
  return html`<p class="stat">
      ${s.current > 0 ? t('me.streak_days', { days: n(s.current) }) : t('me.streak_none')}
    </p>
    <p>${t('me.streak_best', { best: n(Math.max(s.best, s.current)) })}</p>
    <p class="hint">${t(today)}</p>
    ${s.freezesHeld > 0 ? html`<p>${t('me.streak_freezes', { count: n(s.freezesHeld), max: MAX_FREEZES })}</p>` : ''}
    ${next ? html`<p class="hint">${t('me.streak_next', { sparks: n(next.sparks), days: n(next.days) })}</p>` : ''}`;
}

function entryText(ctx: PageContext, s: EntrySource, names: Map<string, string>): string {
  const { t } = ctx;
  const moderator = (id: string) => names.get(id) ?? t('me.entry.moderator_unknown');
  switch (s.type) {
    case 'award':
      return t('me.entry.award', { moderator: moderator(s.moderatorId) });
    case 'revoke':
      return t('me.entry.revoke', { moderator: moderator(s.moderatorId) });
    case 'streak':
      return s.days === null ? t('me.entry.streak_unknown') : t('me.entry.streak', { days: s.days });
    case 'campaign':
      return s.name === null ? t('me.entry.campaign_unknown') : t('me.entry.campaign', { name: s.name });
    case 'quest':
      return s.name === null ? t('me.entry.quest_unknown') : t('me.entry.quest', { name: s.name });
    case 'platform':
      return t(`me.entry.${s.event}`);
    case 'redemption':
      return s.reward === null
        ? t('me.entry.redemption_unknown')
        : t('me.entry.redemption', { reward: s.reward });
    case 'refund':
      return s.reward === null ? t('me.entry.refund_unknown') : t('me.entry.refund', { reward: s.reward });
    case 'reversal':
      return t('me.entry.reversal', { source: entryText(ctx, s.of, names) });
    case 'other':
      return t('me.entry.other');
  }
}

function moderatorsOf(s: EntrySource): string[] {
  if (s.type === 'award' || s.type === 'revoke') return [s.moderatorId];
  return s.type === 'reversal' ? moderatorsOf(s.of) : [];
}

function historySection(
  ctx: PageContext,
  o: { guildId: string; q: MeQuery; view: HistoryView; names: Map<string, string> },
): Html {
  const { t } = ctx;
  const { q, view } = o;
  const base = `/g/${o.guildId}/me`;
  const filters = new URLSearchParams();
  if (q.kind) filters.set('kind', q.kind);
  if (q.source) filters.set('source', q.source);
  if (q.fromText) filters.set('from', q.fromText);
  if (q.toText) filters.set('to', q.toText);
  const link = (cursor: 'before' | 'after', id: number) => {
    const params = new URLSearchParams(filters);
    params.set(cursor, String(id));
    return `${base}?${params.toString()}#history`;
  };
  const dates = new Intl.DateTimeFormat(ctx.locale === 'ko' ? 'ko-KR' : 'en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  /** A labelled select whose first choice, 'all', keeps every entry. */
  const select = (
    name: string,
    label: string,
    choices: [value: string, label: string][],
    current: string | null,
  ) =>
    html`<div>
      <label for="f-${name}">${label}</label>
      <select id="f-${name}" name="${name}">
        ${choices.map(
          ([value, text]) =>
            html`<option value="${value}" ${(current ?? 'all') === value ? html` selected` : ''}>
              ${text}
            </option>`,
        )}
      </select>
    </div>`;
  const filtered = filters.size > 0;
  const form = html`<form method="get" action="${base}#history" class="filters">
    <fieldset>
      <legend>${t('me.filters')}</legend>
      <div class="filter-row">
        ${select(
          'kind',
          t('me.filter_kind'),
          [['all', t('me.kind.all')], ...HISTORY_KINDS.map((k): [string, string] => [k, t(`me.kind.${k}`)])],
          q.kind,
        )}
        ${select(
          'source',
          t('me.filter_source'),
          [
            ['all', t('me.filter_source.all')],
            ...HISTORY_SOURCES.map((x): [string, string] => [x, t(`me.filter_source.${x}`)]),
          ],
          q.source,
        )}
        <div>
          <label for="f-from">${t('me.filter_from')}</label>
          <input id="f-from" name="from" type="date" value="${q.fromText}" aria-describedby="f-dates" />
        </div>
        <div>
          <label for="f-to">${t('me.filter_to')}</label>
          <input id="f-to" name="to" type="date" value="${q.toText}" aria-describedby="f-dates" />
        </div>
      </div>
      <p class="hint" id="f-dates">${t('me.filter_dates_hint')}</p>
      <button type="submit">${t('me.filter_apply')}</button>
      ${filtered ? html`<a class="button secondary" href="${base}#history">${t('me.filter_clear')}</a>` : ''}
    </fieldset>
  </form>`;
  const rows = view.items.map(
    (i) =>
      html`<tr>
        <td><time datetime="${new Date(i.createdAt).toISOString()}">${dates.format(i.createdAt)}</time></td>
        <td>
          ${entryText(ctx, i.source, o.names)}${i.reason ? html`<br /><span class="muted">${i.reason}</span>` : ''}
        </td>
        <td class="num">${i.delta > 0 ? '+' : '−'}${formatScore(ctx, Math.abs(i.delta))}</td>
      </tr>`,
  );
  const pages = pager({
    label: t('me.history_pages'),
    back:
      view.prevCursor !== null
        ? { href: link('after', view.prevCursor), text: t('me.newer'), rel: 'prev' }
        : null,
    forward:
      view.nextCursor !== null
        ? { href: link('before', view.nextCursor), text: t('me.older'), rel: 'next' }
        : null,
  });
  return html`<h2 id="history">${t('me.history')}</h2>
    ${form}
    ${
      rows.length === 0
        ? html`<p>${filtered ? t('me.history_empty_filtered') : t('me.history_empty')}</p>`
        : dataTable({
            caption: t('me.history'),
            columns: [
              { label: t('me.col_date') },
              { label: t('me.col_entry') },
              { label: t('me.col_sparks'), num: true },
            ],
            rows,
          })
    }
    ${pages}`;
}

function privacySection(
  ctx: PageContext,
  o: { guildId: string; hidden: boolean; done: MeQuery['done'] },
): Html {
  const { t } = ctx;
  const choice = (value: (typeof PRIVACY_CHOICES)[number], label: string, checked: boolean) =>
    html`<label class="choice"
      ><input type="radio" name="leaderboard" value="${value}" ${checked ? html` checked` : ''} />
      ${label}</label
    >`;
  return html`<h2 id="privacy">${t('me.privacy')}</h2>
    ${
      o.done
        ? html`<p class="notice good" role="status">
            ${t(o.done === 'hidden' ? 'me.privacy_done_hidden' : 'me.privacy_done_shown')}
          </p>`
        : ''
    }
    <form method="post" action="/g/${o.guildId}/me/privacy">
      ${csrfField(ctx)}
      <fieldset aria-describedby="privacy-hint">
        <legend>${t('me.privacy_leaderboard')}</legend>
        ${choice('shown', t('me.privacy_shown'), !o.hidden)}
        ${choice('hidden', t('me.privacy_hidden'), o.hidden)}
      </fieldset>
      <p class="hint" id="privacy-hint">${t('me.privacy_hint')}</p>
      <button type="submit">${t('me.privacy_save')}</button>
    </form>`;
}

/** The open quests with the member's progress (the same view as /sparks quests; acting on them is in Discord). */
function questsSection(ctx: PageContext, deps: Site['deps'], guildId: string, userId: string): Html {
  const { t } = ctx;
  const open = deps.quests.openQuests(guildId);
  const rows = open.map((quest) => {
    const v = deps.quests.view(guildId, userId, quest);
    const done = v.steps.filter((s) => s.progress.done).length;
    const progress = v.completion
      ? t('me.quests_done')
      : v.locked
        ? t('me.quests_locked', { name: v.locked.name })
        : t('me.quests_steps', { done, total: v.steps.length });
    return html`<tr>
      <th scope="row">${quest.name}</th>
      <td class="num">${formatScore(ctx, quest.sparks)}</td>
      <td>${progress}</td>
    </tr>`;
  });
  return html`<section aria-labelledby="quests-h">
    <h2 id="quests-h">${t('me.quests')}</h2>
    ${
      rows.length === 0
        ? html`<p class="muted">${t('me.quests_none')}</p>`
        : dataTable({
            caption: t('me.quests'),
            columns: [
              { label: t('me.quests_quest') },
              { label: t('me.quests_reward'), num: true },
              { label: t('me.quests_progress') },
            ],
            rows,
          })
    }
    <p class="hint">${t('me.quests_hint')}</p>
  </section>`;
}

/** The member's own page: standing, tier, badges, quests, streak, earnings by source, history, privacy. */
async function mePage(ctx: PageContext, access: MemberAccess, q: MeQuery, deps: Site['deps']): Promise<Html> {
  const { t } = ctx;
  const guildId = access.guild.id;
  const userId = access.member.userId;
  const profile = deps.members.profile(guildId, userId);
  const streak = deps.streaks.standing(guildId, userId);
  const earnings = deps.members.earningsBySource(guildId, userId);
  const view = deps.members.history(
    guildId,
    userId,
    { before: q.before, after: q.after },
    WEB_HISTORY_PAGE_SIZE,
    q.filter,
  );
  const moderators = [...new Set(view.items.flatMap((i) => moderatorsOf(i.source)))];
  const names = new Map(
    [...(await deps.directory.names(guildId, moderators))].map(([id, n]) => [id, n.displayName]),
  );
  const chart =
    earnings.length === 0
      ? html`<p class="muted">${t('me.earnings_none')}</p>`
      : horizontalBars({
          id: 'earnings',
          title: t('me.earnings'),
          // The description names every value, so a screen reader hears the chart whole.
          desc: `${t('me.earnings_desc')} ${earnings
            .map((e) => `${t(`me.source.${e.source}`)}: ${numberIn(ctx)(e.sparks)}`)
            .join('; ')}.`,
          rows: earnings.map((e) => ({ label: t(`me.source.${e.source}`), value: e.sparks })),
          format: numberIn(ctx),
          labelHeader: t('me.col_source'),
          valueHeader: t('me.col_sparks'),
        });
  return html`<h1>${t('me.title', { guild: access.guild.name })}</h1>
    ${standing(ctx, profile)}
    <div class="grid">
      <section class="card" aria-labelledby="tier-h">
        <h2 id="tier-h">${t('me.tier')}</h2>
        ${tierSection(ctx, profile)}
      </section>
      <section class="card" aria-labelledby="badges-h">
        <h2 id="badges-h">${t('me.badges')}</h2>
        ${badgeSection(ctx, profile)}
      </section>
      <section class="card" aria-labelledby="streak-h">
        <h2 id="streak-h">${t('me.streak')}</h2>
        ${streakSection(ctx, streak, deps.settings.get(guildId).streakMilestones)}
      </section>
    </div>
    ${questsSection(ctx, deps, guildId, userId)}
    <h2>${t('me.earnings')}</h2>
    ${chart} ${historySection(ctx, { guildId, q, view, names })}
    ${await referralsSection(ctx, deps, guildId, userId)}
    ${privacySection(ctx, { guildId, hidden: deps.members.leaderboardHidden(guildId, userId), done: q.done })}
    ${linkedRoleSection(ctx, guildId, deps.linkedRoles.guildOf(userId))}`;
}

/** Whether the member's Linked Role shows this server, and the way to connect it (SPEC §11). */
function linkedRoleSection(ctx: PageContext, guildId: string, connectedTo: string | null): Html {
  const { t } = ctx;
  const here = connectedTo === guildId;
  const text = here ? 'linked.section_on' : connectedTo ? 'linked.section_other' : 'linked.section_off';
  return html`<h2 id="linked-role">${t('linked.section')}</h2>
    <p>${t(text)}</p>
    ${
      here
        ? ''
        : html`<p>
            <a class="button" href="${LINKED_ROLE_PATH}?guild=${guildId}"
              >${t(connectedTo ? 'linked.reconnect' : 'linked.connect')}</a
            >
          </p>`
    }`;
}

export function registerMe({ app, deps, guards, csrfCheck, formLimit }: Site): void {
  app.get('/g/:guildId/me', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.member(request, 'me');
    const q = parseQuery(ctx, request.query as Record<string, unknown>);
    const body = await mePage(ctx, access, q, deps);
    return sendPage(
      reply,
      200,
      page(ctx, { title: ctx.t('me.title', { guild: access.guild.name }), guild: access.nav, body }),
    );
  });

  // The web twin of `/sparks privacy leaderboard:<shown|hidden>`: the same field name,
  // the same service method.
  app.post('/g/:guildId/me/privacy', { ...formLimit, preHandler: csrfCheck }, async (request, reply) => {
    const ctx = request.page;
    const access = await guards.member(request, 'me');
    const choice = PRIVACY_CHOICES.find((c) => c === (request.body as Record<string, unknown>).leaderboard);
    if (!choice) throw new WebError(400, 'error.400', { detail: ctx.t('me.bad_privacy') });
    deps.members.setLeaderboardHidden(access.guild.id, access.member.userId, choice === 'hidden');
    return reply.redirect(`/g/${access.guild.id}/me?done=${choice}#privacy`, 303);
  });
}
