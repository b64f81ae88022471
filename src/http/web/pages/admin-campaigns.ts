import { MAX_NAME_LENGTH, type CampaignSummary } from '../../../campaigns/campaigns.ts';
import { parseMessageRef } from '../../../campaigns/parse.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import type { WebGuild } from '../directory.ts';
import { html, type Html } from '../html.ts';
import { csrfField, type PageContext } from '../layout.ts';
import type { Site } from '../site.ts';
import { dataTable } from '../table.ts';
import { badField, formatInt, sendAdminPage, utcMinute } from './admin-data.ts';

type Body = Record<string, unknown>;

const SNOWFLAKE = /^\d{17,20}$/;

/** The form's text for `field`, trimmed; empty when absent. */
function text(body: Body, field: string): string {
  const v = body[field];
  return typeof v === 'string' ? v.trim() : '';
}

/** An optional whole number: null when empty. The service checks the range, as for the slash command. */
function int(ctx: PageContext, body: Body, field: string): number | null {
  const v = text(body, field).replace(/[,_\s]/g, '');
  if (v === '') return null;
  if (!/^\d{1,10}$/.test(v)) throw badField(ctx, field, 'admin_data.hint.whole_number');
  return Number(v);
}

/** A checkbox's value as a browser posts it. */
const checked = (value: unknown): boolean => value === 'true' || value === 'on';

function campaignsBody(ctx: PageContext, guild: WebGuild, all: CampaignSummary[], notice: Html | ''): Html {
  const { t } = ctx;
  const rows = all.map((s) => {
    const c = s.campaign;
    const link = `https://discord.com/channels/${c.guildId}/${c.channelId}/${c.messageId}`;
    const status =
      c.status === 'active'
        ? t('admin_campaigns.active')
        : t('admin_campaigns.ended', {
            reason: t(`admin_campaigns.end_reason.${c.endReason ?? 'moderator'}`),
          });
    return html`<tr>
      <th scope="row">
        ${c.name} <span class="muted">${c.emojiDisplay}</span>
        <a href="${link}" class="muted">${t('admin_campaigns.message')}</a>
      </th>
      <td>${status}</td>
      <td class="num">${formatInt(ctx, c.sparks)}</td>
      <td class="num">
        ${formatInt(ctx, s.participants)}${c.maxClaims !== null ? ` / ${formatInt(ctx, c.maxClaims)}` : ''}
      </td>
      <td class="num">${formatInt(ctx, s.granted)}</td>
      <td class="num">
        ${s.budgetLeft !== null ? formatInt(ctx, s.budgetLeft) : t('admin_campaigns.never')}
      </td>
      <td>
        ${c.status === 'active' && c.endsAt !== null ? utcMinute(c.endsAt) : t('admin_campaigns.never')}
      </td>
      <td>
        ${
          c.status === 'active'
            ? html`<form
                method="post"
                action="/g/${guild.id}/admin/campaigns/end"
                class="inline"
                data-confirm="${t('admin_campaigns.end_confirm')}"
              >
                ${csrfField(ctx)}<input type="hidden" name="campaign" value="${c.id}" />
                <button
                  type="submit"
                  class="danger"
                  aria-label="${t('admin_campaigns.end_label', { name: c.name })}"
                >
                  ${t('admin_campaigns.end')}
                </button>
              </form>`
            : ''
        }
      </td>
    </tr>`;
  });
  const field = (name: string, label: string, input: Html, hint?: string) =>
    html`<label for="c-${name}">${label}</label>
      ${hint ? html`<span class="hint" id="c-${name}-hint">${hint}</span><br />` : ''} ${input}`;
  const described = (name: string, hint: boolean) => (hint ? html` aria-describedby="c-${name}-hint"` : '');
  return html`<h1>${t('admin_campaigns.title')}</h1>
    <p class="muted">${t('admin_campaigns.lead')}</p>
    ${notice}
    ${
      rows.length === 0
        ? html`<p>${t('admin_campaigns.empty')}</p>`
        : dataTable({
            caption: t('admin_campaigns.title'),
            scroll: true,
            columns: [
              { label: t('admin_campaigns.name') },
              { label: t('admin_campaigns.status') },
              { label: t('admin_campaigns.reward'), num: true },
              { label: t('admin_campaigns.participants'), num: true },
              { label: t('admin_campaigns.granted'), num: true },
              { label: t('admin_campaigns.budget_left'), num: true },
              { label: t('admin_campaigns.ends') },
              { label: t('admin_campaigns.actions') },
            ],
            rows,
          })
    }
    <h2 id="start">${t('admin_campaigns.start_title')}</h2>
    <form method="post" action="/g/${guild.id}/admin/campaigns" class="card form" aria-labelledby="start">
      ${csrfField(ctx)}
      ${field(
        'message',
        t('admin_campaigns.field.message'),
        html`<input
          id="c-message"
          name="message"
          type="url"
          required
          maxlength="200"
          ${described('message', true)}
        />`,
        t('admin_campaigns.field.message_hint'),
      )}
      ${field(
        'emoji',
        t('admin_campaigns.field.emoji'),
        html`<input id="c-emoji" name="emoji" required maxlength="100" ${described('emoji', true)} />`,
        t('admin_campaigns.field.emoji_hint'),
      )}
      ${field(
        'sparks',
        t('admin_campaigns.field.sparks'),
        html`<input
          id="c-sparks"
          name="sparks"
          type="number"
          required
          min="${MIN_AMOUNT}"
          max="${MAX_AMOUNT}"
        />`,
      )}
      ${field(
        'ends_in',
        t('admin_campaigns.field.ends_in'),
        html`<input id="c-ends_in" name="ends_in" maxlength="20" ${described('ends_in', true)} />`,
        t('admin_campaigns.field.ends_in_hint'),
      )}
      ${field('max_claims', t('admin_campaigns.field.max_claims'), html`<input id="c-max_claims" name="max_claims" type="number" min="1" />`)}
      ${field(
        'budget',
        t('admin_campaigns.field.budget'),
        html`<input id="c-budget" name="budget" type="number" min="${MIN_AMOUNT}" max="${MAX_AMOUNT}" />`,
      )}
      ${field(
        'required_role',
        t('admin_campaigns.field.required_role'),
        html`<input
          id="c-required_role"
          name="required_role"
          inputmode="numeric"
          maxlength="20"
          ${described('required_role', true)}
        />`,
        t('admin_campaigns.field.required_role_hint'),
      )}
      ${field(
        'min_member_days',
        t('admin_campaigns.field.min_member_days'),
        html`<input id="c-min_member_days" name="min_member_days" type="number" min="1" />`,
      )}
      ${field(
        'min_account_days',
        t('admin_campaigns.field.min_account_days'),
        html`<input id="c-min_account_days" name="min_account_days" type="number" min="0" max="3650" />`,
      )}
      <p class="check">
        <input id="c-verified_wallet" name="verified_wallet" type="checkbox" value="true" />
        <label for="c-verified_wallet">${t('admin_campaigns.field.verified_wallet')}</label>
      </p>
      ${field('name', t('admin_campaigns.field.name'), html`<input id="c-name" name="name" maxlength="${MAX_NAME_LENGTH}" />`)}
      <p class="check">
        <input id="c-revoke_on_unreact" name="revoke_on_unreact" type="checkbox" value="true" />
        <label for="c-revoke_on_unreact">${t('admin_campaigns.field.revoke_on_unreact')}</label>
      </p>
      <p><button type="submit">${t('admin_campaigns.submit')}</button></p>
    </form>`;
}

/** The outcome of the last POST, shown once after its redirect (read back from the database, never from the URL's text). */
function notice(ctx: PageContext, site: Site, guildId: string, query: Record<string, unknown>): Html | '' {
  const id = (key: string) =>
    typeof query[key] === 'string' && /^\d{1,15}$/.test(query[key]) ? Number(query[key]) : null;
  const find = (key: string) => {
    const n = id(key);
    const c = n === null ? undefined : site.deps.campaigns.byId(n);
    return c && c.guildId === guildId ? c : undefined;
  };
  const { t } = ctx;
  const started = find('started');
  if (started)
    return html`<p class="notice good" role="status">
      ${t('admin_campaigns.started', { name: started.name, emoji: started.emojiDisplay })}
    </p>`;
  const ended = find('ended');
  if (ended) {
    const s = site.deps.campaigns.summary(ended);
    return html`<p class="notice good" role="status">
      ${t('admin_campaigns.ended_now', { name: ended.name, participants: s.participants, granted: s.granted })}
    </p>`;
  }
  const already = find('already');
  if (already)
    return html`<p class="notice" role="status">
      ${t('admin_campaigns.already_ended', { name: already.name })}
    </p>`;
  return '';
}

export function registerAdminCampaigns(site: Site): void {
  const { app, deps, guards, csrfCheck, formLimit } = site;

  app.get('/g/:guildId/admin/campaigns', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.admin(request);
    const all = deps.campaigns.list(access.guild.id);
    const body = campaignsBody(
      ctx,
      access.guild,
      all,
      notice(ctx, site, access.guild.id, request.query as Record<string, unknown>),
    );
    return sendAdminPage(reply, ctx, access, ctx.t('admin_campaigns.title'), body);
  });

  // `/sparks-admin campaign start`: the same options, the same shared start flow.
  app.post('/g/:guildId/admin/campaigns', { ...formLimit, preHandler: csrfCheck }, async (request, reply) => {
    const ctx = request.page;
    const access = await guards.admin(request);
    const body = request.body as Body;
    const guildId = access.guild.id;
    const message = text(body, 'message');
    if (!/^<?https:\/\//i.test(message)) throw badField(ctx, 'message', 'admin_data.hint.link');
    const requiredRole = text(body, 'required_role');
    if (requiredRole && !SNOWFLAKE.test(requiredRole))
      throw badField(ctx, 'required_role', 'admin_data.hint.role_id');
    const sparks = int(ctx, body, 'sparks');
    if (sparks === null) throw badField(ctx, 'sparks', 'admin_data.hint.whole_number');
    const campaign = await deps.campaignControl.start({
      guildId,
      moderatorId: access.member.userId,
      ref: parseMessageRef(message, guildId, ''),
      emoji: text(body, 'emoji'),
      sparks,
      endsIn: text(body, 'ends_in') || null,
      maxClaims: int(ctx, body, 'max_claims'),
      budget: int(ctx, body, 'budget'),
      requiredRoleId: requiredRole || null,
      minMemberDays: int(ctx, body, 'min_member_days'),
      minAccountDays: int(ctx, body, 'min_account_days'),
      verifiedWallet: checked(body.verified_wallet),
      revokeOnUnreact: checked(body.revoke_on_unreact),
      name: text(body, 'name') || null,
    });
    return reply.redirect(`/g/${guildId}/admin/campaigns?started=${campaign.id}`, 303);
  });

  // `/sparks-admin campaign end`: `campaign` is its id (what the list's button sends) or name.
  app.post(
    '/g/:guildId/admin/campaigns/end',
    { ...formLimit, preHandler: csrfCheck },
    async (request, reply) => {
      const ctx = request.page;
      const access = await guards.admin(request);
      const campaign = text(request.body as Body, 'campaign');
      if (!campaign) throw badField(ctx, 'campaign', 'admin_data.hint.choice');
      const result = await deps.campaignControl.end({
        guildId: access.guild.id,
        campaign,
        moderatorId: access.member.userId,
      });
      const outcome = result.ended ? 'ended' : 'already';
      return reply.redirect(
        `/g/${access.guild.id}/admin/campaigns?${outcome}=${result.summary.campaign.id}`,
        303,
      );
    },
  );
}
