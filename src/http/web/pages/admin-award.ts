/**
 * Award and revoke with a reason, as `/sparks-admin award|revoke member amount reason`:
 * the same AwardService methods (the daily limit, the self-award and bot refusals live
 * there), keyed by a token the form carries so a double submit posts once.
 */
import { randomUUID } from 'node:crypto';
import { SparksError } from '../../../core/errors.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import { MAX_REASON_LENGTH } from '../../../moderation/awards.ts';
import { html } from '../html.ts';
import type { PageContext } from '../layout.ts';
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

const KEY = /^[0-9a-f-]{36}$/;

function awardForm(ctx: PageContext, guildId: string, which: 'award' | 'revoke'): ReturnType<typeof form> {
  const { t } = ctx;
  const id = (name: string) => `${which}-${name}`;
  return form(
    ctx,
    `/g/${guildId}/admin/${which}`,
    html`<fieldset class="admin-form">
      <legend>${t(`admin.award.${which}_title`)}</legend>
      <input type="hidden" name="key" value="${randomUUID()}" />
      ${field(
        id('member'),
        t('admin.award.member'),
        html`<input
          id="${id('member')}"
          name="member"
          required
          inputmode="numeric"
          pattern="[0-9]{15,25}"
          aria-describedby="${id('member')}-hint"
        />`,
        t('admin.award.member_hint'),
        'member',
      )}
      ${field(
        id('amount'),
        t('admin.award.amount'),
        html`<input
          id="${id('amount')}"
          name="amount"
          type="number"
          required
          min="${MIN_AMOUNT}"
          max="${MAX_AMOUNT}"
        />`,
        undefined,
        'amount',
      )}
      ${field(
        id('reason'),
        t('admin.award.reason'),
        html`<input id="${id('reason')}" name="reason" required maxlength="${MAX_REASON_LENGTH}" />`,
        undefined,
        'reason',
      )}
      <p>
        <button type="submit" ${which === 'revoke' ? html` class="danger"` : ''}>
          ${t(`admin.award.${which}`)}
        </button>
      </p>
    </fieldset>`,
  );
}

function post(which: 'award' | 'revoke'): AdminRoute {
  return {
    method: 'POST',
    path: `/${which}`,
    async handle(call) {
      const { awards, directory } = call.site.deps;
      const result = await refusing(call.ctx, async () => {
        const r = new FormReader(call.request.body);
        const userId = r.snowflake('member');
        if (!userId) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'member' });
        const amount = r.int('amount', MIN_AMOUNT, MAX_AMOUNT);
        const reason = r.text('reason', MAX_REASON_LENGTH * 4) ?? '';
        const key = r.text('key', 40);
        if (!key || !KEY.test(key)) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'key' });
        const member = await directory.member(call.guildId, userId);
        if (!member) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'member' }, 'not a member');
        const input = {
          guildId: call.guildId,
          moderatorId: call.actorId,
          userId,
          targetIsBot: member.bot === true,
          amount,
          reason,
          key: `web:${key}`,
        };
        const posted = which === 'award' ? awards.award(input) : awards.revoke(input);
        return { posted, name: member.displayName };
      });
      if (result.posted.duplicate) return redirectDone(call, '/award', 'duplicate');
      return redirectDone(call, '/award', which === 'award' ? 'awarded' : 'revoked', result.name);
    },
  };
}

export const AWARD_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/award',
    async handle(call: AdminCall) {
      const { ctx, guildId } = call;
      const limit = call.site.deps.settings.get(guildId).dailyAwardLimit;
      return sendAdminPage(call, {
        section: 'award',
        title: call.ctx.t('admin.section.award'),
        body: html`<p class="muted">
            ${limit === null ? ctx.t('admin.award.no_limit') : ctx.t('admin.award.limit', { limit })}
          </p>
          <div class="grid admin-pair">
            ${awardForm(ctx, guildId, 'award')} ${awardForm(ctx, guildId, 'revoke')}
          </div>`,
      });
    },
  },
  post('award'),
  post('revoke'),
];
