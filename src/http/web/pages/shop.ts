/**
 * The shop on the web: the catalogue (public, like the leaderboard), a confirmation page
 * per reward, and redemption through the bot's own flow (`WebDeps.redeem`, the function
 * behind `/sparks redeem`'s Confirm): Sparks reserved, the role granted in Discord, then
 * posted or refunded. The confirmation carries the cost it showed and a random key, as a
 * Discord confirmation carries them in its button: a changed price is refused, and every
 * submit of one confirmation makes at most one redemption.
 */
import { randomBytes } from 'node:crypto';
import { isSparksError } from '../../../core/errors.ts';
import { translator } from '../../../discord/i18n/index.ts';
import { failureReason, formatDuration, inputLabel } from '../../../discord/shop-text.ts';
import { INPUT_MAX_LENGTH } from '../../../shop/input.ts';
import type { RedemptionView } from '../../../shop/redemptions.ts';
import { inputKindOf, type RewardRow } from '../../../shop/rewards.ts';
import { MAX_FREEZES } from '../../../streaks/fold.ts';
import { botTextFor, formatDate, sparksErrorText } from '../bot-text.ts';
import { WebError } from '../errors.ts';
import type { MemberAccess } from '../guards.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';

/** The confirmation's exactly-once key as the form sends it back (base64url of 18 random bytes). */
const KEY = /^[A-Za-z0-9_-]{24}$/;
const ID = /^\d{1,12}$/;
/** Far above any input kind's own limit; the shop's validation gives the precise reason. */
const MAX_INPUT_FIELD = 1000;

type Roles = ReadonlyMap<string, string>;

/** The reward as the catalogue and the confirmation describe it (names, not ids, for roles). */
function gives(ctx: PageContext, reward: RewardRow, roles: Roles): string {
  const { t } = ctx;
  const role = reward.roleId ? roleName(ctx, roles, reward.roleId) : '';
  switch (reward.kind) {
    case 'role':
      return reward.durationSeconds
        ? t('shop.gives.role_for', {
            role,
            duration: formatDuration(translator(ctx.locale), reward.durationSeconds),
          })
        : t('shop.gives.role', { role });
    case 'badge':
      return reward.roleId ? t('shop.gives.badge_role', { role }) : t('shop.gives.badge');
    case 'manual':
      return t('shop.gives.manual');
    case 'streak_freeze':
      return t('shop.gives.streak_freeze', { max: MAX_FREEZES });
  }
}

function roleName(ctx: PageContext, roles: Roles, roleId: string): string {
  return roles.get(roleId) ?? ctx.t('shop.unknown_role');
}

/** An image only from an https URL; anything else is not shown. */
function image(ctx: PageContext, reward: RewardRow): Html {
  const url = reward.imageUrl;
  if (!url || !URL.canParse(url) || new URL(url).protocol !== 'https:') return html``;
  return html`<img
    class="reward-image"
    src="${url}"
    alt="${ctx.t('shop.image_alt', { name: reward.name })}"
    width="320"
    height="180"
    loading="lazy"
  />`;
}

interface Visitor {
  balance: number;
  held: number;
}

function rewardCard(
  ctx: PageContext,
  guildId: string,
  reward: RewardRow,
  roles: Roles,
  you: Visitor | null,
): Html {
  const { t } = ctx;
  const soldOut = reward.stock === 0;
  const limitReached = you !== null && reward.perMemberLimit !== null && you.held >= reward.perMemberLimit;
  const short = you ? reward.cost - you.balance : 0;
  const standing =
    you === null
      ? ''
      : limitReached
        ? html`<p class="afford bad">${t('shop.limit_reached')}</p>`
        : soldOut
          ? ''
          : short <= 0
            ? html`<p class="afford good">${t('shop.affordable')}</p>`
            : html`<p class="afford bad">${t('shop.short', { short })}</p>`;
  const heading = `reward-${reward.id}`;
  return html`<article class="card reward" aria-labelledby="${heading}">
    ${image(ctx, reward)}
    <h2 id="${heading}">${reward.name}</h2>
    ${reward.description ? html`<p>${reward.description}</p>` : ''}
    <dl class="facts">
      <dt>${t('shop.cost')}</dt>
      <dd>${t('shop.sparks', { amount: reward.cost })}</dd>
      <dt>${t('shop.gives')}</dt>
      <dd>${gives(ctx, reward, roles)}</dd>
      <dt>${t('shop.stock')}</dt>
      <dd>
        ${reward.stock === null ? t('shop.stock_unlimited') : soldOut ? t('shop.sold_out') : t('shop.stock_left', { stock: reward.stock })}
      </dd>
      ${
        reward.perMemberLimit === null
          ? ''
          : html`<dt>${t('shop.limit')}</dt>
              <dd>${t('shop.limit_value', { limit: reward.perMemberLimit, held: you?.held ?? 0 })}</dd>`
      }
      ${
        reward.requiredRoleId
          ? html`<dt>${t('shop.requires')}</dt>
              <dd>${t('shop.requires_role', { role: roleName(ctx, roles, reward.requiredRoleId) })}</dd>`
          : ''
      }
      ${gateFacts(ctx, guildId, reward)}
    </dl>
    ${standing}
    ${
      soldOut || limitReached
        ? ''
        : html`<form method="get" action="/g/${guildId}/shop/${reward.id}/redeem">
            <button type="submit">
              ${t('shop.redeem')}<span class="visually-hidden"> ${reward.name}</span>
            </button>
          </form>`
    }
  </article>`;
}

/** The gates beyond a role (SPEC §11): days in the server, account age, a linked wallet. */
function gateFacts(ctx: PageContext, guildId: string, reward: RewardRow): Html {
  const { t } = ctx;
  const facts: Html[] = [];
  if (reward.minMemberDays)
    facts.push(html`<dd>${t('shop.gate.member_days', { days: reward.minMemberDays })}</dd>`);
  if (reward.minAccountDays)
    facts.push(html`<dd>${t('shop.gate.account_days', { days: reward.minAccountDays })}</dd>`);
  if (reward.verifiedWallet === 1 || reward.requiresWallet)
    facts.push(html`<dd><a href="/g/${guildId}/wallets">${t('shop.gate.wallet')}</a></dd>`);
  return facts.length === 0
    ? html``
    : html`<dt>${t('shop.gate.title')}</dt>
        ${facts}`;
}

/** The confirmation: what it costs, the balance before and after, the input it asks for. */
function confirmBody(
  ctx: PageContext,
  o: {
    guildId: string;
    reward: RewardRow;
    balance: number;
    roles: Roles;
    key: string;
    input?: { value: string; error: Html | null };
  },
): Html {
  const { t } = ctx;
  const { reward } = o;
  const kind = inputKindOf(reward);
  const label = inputLabel(translator(ctx.locale), reward);
  const field =
    kind && label
      ? html`<label for="redeem-input">${label}</label>
          <input
            id="redeem-input"
            name="input"
            type="text"
            required
            maxlength="${INPUT_MAX_LENGTH[kind]}"
            autocomplete="off"
            value="${o.input?.value ?? ''}"
            aria-describedby="redeem-input-hint${o.input?.error ? ' redeem-input-error' : ''}"
            ${o.input?.error ? html` aria-invalid="true"` : ''}
          />
          <p class="hint" id="redeem-input-hint">
            ${t('shop.confirm.input_hint', { max: INPUT_MAX_LENGTH[kind] })}
          </p>
          ${o.input?.error ? html`<p class="notice bad" id="redeem-input-error" role="alert">${o.input.error}</p>` : ''}`
      : '';
  return html`<h1>${t('shop.confirm.title', { name: reward.name })}</h1>
    <div class="card confirm">
      ${image(ctx, reward)} ${reward.description ? html`<p>${reward.description}</p>` : ''}
      <dl class="facts">
        <dt>${t('shop.gives')}</dt>
        <dd>${gives(ctx, reward, o.roles)}</dd>
        <dt>${t('shop.cost')}</dt>
        <dd>${t('shop.sparks', { amount: reward.cost })}</dd>
        <dt>${t('shop.confirm.balance')}</dt>
        <dd>${t('shop.sparks', { amount: o.balance })}</dd>
        <dt>${t('shop.confirm.after')}</dt>
        <dd>${t('shop.sparks', { amount: o.balance - reward.cost })}</dd>
      </dl>
      ${reward.kind === 'manual' ? html`<p>${t('shop.confirm.manual')}</p>` : ''}
      <form method="post" action="/g/${o.guildId}/shop/${reward.id}/redeem">
        ${csrfField(ctx)}
        <input type="hidden" name="cost" value="${reward.cost}" />
        <input type="hidden" name="key" value="${o.key}" />
        ${field}
        <p class="actions">
          <button type="submit">${t('shop.confirm.submit', { cost: reward.cost })}</button>
          <a href="/g/${o.guildId}/shop">${t('shop.confirm.back')}</a>
        </p>
      </form>
    </div>`;
}

/** What became of a redemption, from the database as it stands (a reload shows the latest). */
function resultText(
  ctx: PageContext,
  o: { r: RedemptionView; reward: RewardRow; guild: string; roles: Roles; restarting: boolean },
): { text: string; tone: 'good' | 'bad' | '' } {
  const { t } = ctx;
  const { r, reward } = o;
  const name = reward.name;
  switch (r.status) {
    case 'reserved':
      return {
        text: t(o.restarting ? 'shop.result.restarting' : 'shop.result.processing', { name }),
        tone: '',
      };
    case 'pending_manual':
      return { text: t('shop.result.queued', { name, cost: r.cost }), tone: '' };
    case 'refunded':
      return {
        text: t('shop.result.refunded', {
          name,
          cost: r.cost,
          reason: failureReason(translator(ctx.locale), r.failureCode),
        }),
        tone: 'bad',
      };
    case 'fulfilled': {
      const role = reward.roleId ? roleName(ctx, o.roles, reward.roleId) : '';
      if (reward.kind === 'manual') return { text: t('shop.result.fulfilled', { name }), tone: 'good' };
      if (reward.kind === 'badge') return { text: t('shop.result.badge', { name }), tone: 'good' };
      if (reward.kind === 'streak_freeze')
        return { text: t('shop.result.streak_freeze', { name }), tone: 'good' };
      return {
        text:
          r.expiresAt !== null
            ? t('shop.result.role_until', {
                role,
                guild: o.guild,
                until: formatDate(ctx.locale, r.expiresAt),
              })
            : t('shop.result.role', { role, guild: o.guild }),
        tone: 'good',
      };
    }
  }
}

function idParam(value: unknown): number {
  if (typeof value !== 'string' || !ID.test(value)) throw new WebError(404, 'error.404');
  return Number(value);
}

export function registerShop({ app, deps, guards, csrfCheck, formLimit }: Site): void {
  const roleNames = (guildId: string) =>
    deps.directory.roleNames(guildId).catch(() => new Map<string, string>());
  const balanceOf = (guildId: string, userId: string) => deps.ledger.reads.standing(guildId, userId).balance;

  app.get('/g/:guildId/shop', async (request, reply) => {
    const ctx = request.page;
    const { t } = ctx;
    const { guild, nav, member } = await guards.guild(request, 'shop');
    const rewards = deps.rewards.list(guild.id, { enabledOnly: true });
    const roles = await roleNames(guild.id);
    const balance = member ? balanceOf(guild.id, member.userId) : 0;
    const held = member ? deps.redemptions.heldByReward(guild.id, member.userId) : new Map<number, number>();
    const body = html`<h1>${t('shop.title', { guild: guild.name })}</h1>
      ${
        member
          ? html`<p class="notice">${t('shop.balance', { balance })}</p>`
          : ctx.session
            ? ''
            : html`<p class="notice">${t('shop.login_hint')}</p>`
      }
      ${
        rewards.length === 0
          ? html`<p>${t('shop.empty')}</p>`
          : html`<div class="grid shop">
              ${rewards.map((r) =>
                rewardCard(ctx, guild.id, r, roles, member ? { balance, held: held.get(r.id) ?? 0 } : null),
              )}
            </div>`
      }`;
    return sendPage(
      reply,
      200,
      page(ctx, { title: t('shop.title', { guild: guild.name }), guild: nav, body }),
    );
  });

  const confirmPage = async (
    access: MemberAccess,
    ctx: PageContext,
    rewardId: number,
    key: string,
    input?: { value: string; error: Html | null },
  ) => {
    const { reward, balance } = deps.redemptions.preview({
      guildId: access.guild.id,
      userId: access.member.userId,
      rewardId,
      memberRoleIds: access.member.roleIds,
      joinedAt: access.member.joinedAt ?? null,
    });
    const roles = await roleNames(access.guild.id);
    const body = confirmBody(ctx, {
      guildId: access.guild.id,
      reward,
      balance,
      roles,
      key,
      ...(input ? { input } : {}),
    });
    return page(ctx, { title: ctx.t('shop.confirm.title', { name: reward.name }), guild: access.nav, body });
  };

  app.get('/g/:guildId/shop/:rewardId/redeem', async (request, reply) => {
    const access = await guards.member(request, 'shop');
    const rewardId = idParam((request.params as { rewardId?: string }).rewardId);
    const key = randomBytes(18).toString('base64url');
    return sendPage(reply, 200, await confirmPage(access, request.page, rewardId, key));
  });

  app.post(
    '/g/:guildId/shop/:rewardId/redeem',
    { ...formLimit, preHandler: csrfCheck },
    async (request, reply) => {
      const ctx = request.page;
      const access = await guards.member(request, 'shop');
      const { guild, member } = access;
      const rewardId = idParam((request.params as { rewardId?: string }).rewardId);
      const body = request.body as Record<string, unknown>;
      const cost = typeof body.cost === 'string' && /^\d{1,12}$/.test(body.cost) ? Number(body.cost) : null;
      const key = typeof body.key === 'string' && KEY.test(body.key) ? body.key : null;
      if (cost === null || key === null) throw new WebError(400, 'error.400', { detail: 'cost, key' });
      const reward = deps.rewards.get(rewardId);
      const asks = reward !== undefined && inputKindOf(reward) !== null;
      const input = asks ? (typeof body.input === 'string' ? body.input : '') : null;
      if (input !== null && input.length > MAX_INPUT_FIELD)
        throw new WebError(400, 'error.400', { detail: 'input' });
      let redemptionId: number;
      let restarting: boolean;
      try {
        const outcome = await deps.redeem({
          guildId: guild.id,
          userId: member.userId,
          rewardId,
          confirmedCost: cost,
          key: `web:${key}`,
          memberRoleIds: member.roleIds,
          joinedAt: member.joinedAt ?? null,
          input,
        });
        redemptionId = outcome.result.redemption.id;
        restarting = outcome.restarting && outcome.result.status === 'unknown';
      } catch (e) {
        if (
          isSparksError(e, 'SPARKS.STALE_COMPONENT') &&
          reward?.guildId === guild.id &&
          reward.cost !== cost
        ) {
          const { t } = ctx;
          const page_ = page(ctx, {
            title: t('shop.price_changed.title'),
            guild: access.nav,
            body: html`<h1>${t('shop.price_changed.title')}</h1>
              <p class="notice bad" role="alert">
                ${t('shop.price_changed.body', { name: reward.name, old: cost, cost: reward.cost })}
              </p>
              <p>
                <a class="button" href="/g/${guild.id}/shop/${reward.id}/redeem"
                  >${t('shop.price_changed.again')}</a
                >
              </p>`,
          });
          return sendPage(reply, 409, page_);
        }
        if (isSparksError(e, 'SPARKS.STALE_COMPONENT')) throw new WebError(409, 'shop.stale');
        if (isSparksError(e, 'SPARKS.REDEEM_INPUT_INVALID') && reward && input !== null) {
          const o = await botTextFor(ctx, deps.directory, guild.id);
          const error = sparksErrorText(e, o, inputLabel(translator(ctx.locale), reward) ?? undefined);
          return sendPage(reply, 400, await confirmPage(access, ctx, rewardId, key, { value: input, error }));
        }
        throw e;
      }
      const query = restarting ? '?restarting=1' : '';
      return reply.redirect(`/g/${guild.id}/shop/redemptions/${redemptionId}${query}`, 303);
    },
  );

  app.get('/g/:guildId/shop/redemptions/:redemptionId', async (request, reply) => {
    const ctx = request.page;
    const { t } = ctx;
    const { guild, nav, member } = await guards.member(request, 'shop');
    const r = deps.redemptions.get(idParam((request.params as { redemptionId?: string }).redemptionId));
    // Someone else's redemption is as absent as one that does not exist.
    if (!r || r.guildId !== guild.id || r.userId !== member.userId) throw new WebError(404, 'error.404');
    const reward = deps.rewards.get(r.rewardId)!;
    const restarting = (request.query as Record<string, unknown>).restarting === '1';
    const roles = await roleNames(guild.id);
    const { text, tone } = resultText(ctx, { r, reward, guild: guild.name, roles, restarting });
    const body = html`<h1>${t('shop.result.title', { name: reward.name })}</h1>
      <p class="notice${tone ? ` ${tone}` : ''}" role="status">${text}</p>
      ${r.input ? html`<p>${t('shop.result.input', { input: r.input })}</p>` : ''}
      <p>${t('shop.balance', { balance: balanceOf(guild.id, member.userId) })}</p>
      <p><a href="/g/${guild.id}/shop">${t('shop.confirm.back')}</a></p>`;
    return sendPage(
      reply,
      200,
      page(ctx, { title: t('shop.result.title', { name: reward.name }), guild: nav, body }),
    );
  });
}
