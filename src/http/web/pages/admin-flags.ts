/**
 * Flagged members (SPEC §11), as `/sparks-admin flags` lists them: the open flags with who
 * or what raised them and why, each with a form to clear it with a reason, and the whole
 * history behind a tab. Flag and clear call the same FlagService methods as
 * `/sparks-admin flag|unflag` (the bot, self-flag and reason refusals live there).
 */
import { SparksError } from '../../../core/errors.ts';
import type { FlagRow } from '../../../db/flag-store.ts';
import { MAX_FLAG_REASON } from '../../../members/flagging.ts';
import { FLAG_SOURCES } from '../../../members/flags.ts';
import { DASH, html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import { askedPage, dataTable, numberedPager } from '../table.ts';
import {
  field,
  form,
  FormReader,
  redirectDone,
  refusing,
  sendAdminPage,
  type AdminCall,
  type AdminRoute,
} from './admin-kit.ts';

const PAGE_SIZE = 25;

type SourceKey = 'wallet_shared' | 'young_invitee' | 'fresh_referrals' | 'auto';

function sourceText(ctx: PageContext, f: FlagRow, who: (id: string) => string): string {
  if (f.source === 'moderator') return ctx.t('admin.flags.source.moderator', { who: who(f.raisedBy ?? '') });
  const key: SourceKey = (FLAG_SOURCES as readonly string[]).includes(f.source)
    ? (f.source.replace(/^auto:/, '') as SourceKey)
    : 'auto';
  return ctx.t(`admin.flags.source.${key}`);
}

function when(ctx: PageContext, ms: number): Html {
  const text = new Intl.DateTimeFormat(ctx.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(ms);
  return html`<time datetime="${new Date(ms).toISOString()}">${text} UTC</time>`;
}

async function flagsPage(call: AdminCall): Promise<ReturnType<typeof sendAdminPage>> {
  const { ctx, guildId } = call;
  const { t } = ctx;
  const { flags, directory } = call.site.deps;
  const q = call.request.query as Record<string, unknown>;
  const history = q.view === 'history';
  const pageNo = Math.max(1, askedPage(q));
  const { items, total } = flags.list(guildId, {
    open: !history,
    offset: (pageNo - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
  });
  const ids = new Set<string>();
  for (const f of items) for (const id of [f.userId, f.raisedBy, f.clearedBy]) if (id) ids.add(id);
  const names = await directory.names(guildId, [...ids]);
  const who = (id: string) => names.get(id)?.displayName ?? id;
  const base = `/g/${guildId}/admin/flags`;
  const rows = items.map((f, i) => {
    const name = who(f.userId);
    const cleared =
      f.clearedAt === null
        ? html`<span class="muted">${t('admin.flags.still_open')}</span>`
        : html`${when(ctx, f.clearedAt)}<br />${t('admin.flags.by', {
              who: who(f.clearedBy ?? ''),
              reason: f.clearReason ?? '',
            })}`;
    const clearId = `clear-${i}`;
    const action =
      f.clearedAt === null
        ? form(
            ctx,
            `${base}/clear`,
            html`<input type="hidden" name="member" value="${f.userId}" />
              <label for="${clearId}">${t('admin.flags.clear_reason')}</label>
              <input id="${clearId}" name="reason" required maxlength="${MAX_FLAG_REASON}" />
              <button type="submit">${t('admin.flags.clear', { name })}</button>`,
            { cls: 'inline' },
          )
        : html`<span class="muted">${DASH}</span>`;
    return html`<tr>
      <td>${name}</td>
      <td>${sourceText(ctx, f, who)}</td>
      <td>${f.reason}</td>
      <td>${when(ctx, f.raisedAt)}</td>
      ${history ? html`<td>${cleared}</td>` : ''}
      <td class="actions">${action}</td>
    </tr>`;
  });
  const columns = [
    { label: t('admin.member') },
    { label: t('admin.flags.source') },
    { label: t('admin.flags.reason') },
    { label: t('admin.flags.raised') },
    ...(history ? [{ label: t('admin.flags.cleared') }] : []),
    { label: t('admin.shop.actions') },
  ];
  const tabs = html`<nav class="tabs" aria-label="${t('admin.section.flags')}">
    <a href="${base}" ${history ? '' : html` aria-current="page"`}>${t('admin.flags.open')}</a>
    <a href="${base}?view=history" ${history ? html` aria-current="page"` : ''}
      >${t('admin.flags.history')}</a
    >
  </nav>`;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pager = numberedPager(t, pageNo, pages, (n) => `${base}?${history ? 'view=history&' : ''}page=${n}`);
  const list =
    total === 0
      ? html`<p>${t(history ? 'admin.flags.none_ever' : 'admin.flags.none')}</p>`
      : html`${dataTable({
          caption: t(history ? 'admin.flags.history_count' : 'admin.flags.open_count', { count: total }),
          columns,
          rows,
        })}
        ${pager}`;
  return sendAdminPage(call, {
    section: 'flags',
    title: t('admin.section.flags'),
    body: html`<p class="muted">${t('admin.flags.lead')}</p>
      ${tabs} ${list}
      ${form(
        ctx,
        base,
        html`<fieldset class="admin-form">
          <legend>${t('admin.flags.add')}</legend>
          ${field(
            'flag-member',
            t('admin.member'),
            html`<input
              id="flag-member"
              name="member"
              required
              inputmode="numeric"
              pattern="[0-9]{15,25}"
              aria-describedby="flag-member-hint"
            />`,
            t('admin.flags.member_hint'),
            'member',
          )}
          ${field(
            'flag-reason',
            t('admin.flags.reason'),
            html`<input id="flag-reason" name="reason" required maxlength="${MAX_FLAG_REASON}" />`,
            undefined,
            'reason',
          )}
          <p><button type="submit" class="danger">${t('admin.flags.flag')}</button></p>
        </fieldset>`,
      )}`,
  });
}

/** The member and reason both forms carry, read as the slash commands' options are. */
function memberAndReason(call: AdminCall): { userId: string; reason: string } {
  const r = new FormReader(call.request.body);
  const userId = r.snowflake('member');
  if (!userId) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'member' });
  return { userId, reason: r.text('reason', MAX_FLAG_REASON * 4) ?? '' };
}

export const FLAG_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/flags', handle: flagsPage },
  {
    method: 'POST',
    path: '/flags',
    async handle(call) {
      const { flags, directory } = call.site.deps;
      const name = await refusing(call.ctx, async () => {
        const { userId, reason } = memberAndReason(call);
        const member = await directory.member(call.guildId, userId);
        if (!member) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'member' }, 'not a member');
        flags.flag({
          guildId: call.guildId,
          userId,
          targetIsBot: member.bot === true,
          moderatorId: call.actorId,
          reason,
        });
        return member.displayName;
      });
      return redirectDone(call, '/flags', 'flagged', name);
    },
  },
  {
    method: 'POST',
    path: '/flags/clear',
    async handle(call) {
      const { flags, directory } = call.site.deps;
      const userId = await refusing(call.ctx, () => {
        const { userId, reason } = memberAndReason(call);
        flags.clear({ guildId: call.guildId, userId, moderatorId: call.actorId, reason });
        return userId;
      });
      const name = (await directory.names(call.guildId, [userId])).get(userId)?.displayName ?? userId;
      return redirectDone(call, '/flags', 'unflagged', name);
    },
  },
];
