/**
 * The shop on the dashboard: the catalogue, and add / edit / remove with the fields of
 * `/sparks-admin reward add|edit|remove`. Each calls the same RewardService method as the
 * command, after the same Discord check of a role the reward would hand out.
 */
import { REWARD_KINDS } from '../../../db/schema.ts';
import { durationParts } from '../../../shop/duration.ts';
import { INPUT_KINDS } from '../../../shop/input.ts';
import { REWARD_OPTIONS as O } from '../../../shop/options.ts';
import {
  durationFromText,
  type RewardFields,
  type RewardPatch,
  type RewardRow,
} from '../../../shop/rewards.ts';
import type { WebRole } from '../directory.ts';
import { WebError } from '../errors.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import { dataTable } from '../table.ts';
import {
  assignableRole,
  field,
  form,
  FormReader,
  redirectDone,
  refusing,
  roleSelect,
  sendAdminPage,
  type AdminCall,
  type AdminRoute,
} from './admin-kit.ts';

/** The fields add and edit share, read from the form by their option names. */
function readFields(r: FormReader): Omit<RewardFields, 'name' | 'cost' | 'kind'> {
  const duration = r.text('duration', O.duration.maxLength);
  return {
    roleId: r.snowflake('role'),
    description: r.text('description', O.description.maxLength * 4),
    stock: r.int('stock', O.stock.min, O.stock.max),
    perMemberLimit: r.int('per_member_limit', O.per_member_limit.min, O.per_member_limit.max),
    durationSeconds: duration === null ? null : durationFromText(duration),
    inputLabel: r.text('input_label', O.input_label.maxLength * 4),
    inputKind: r.oneOf('input_kind', INPUT_KINDS),
    requiredRoleId: r.snowflake('required_role'),
    imageUrl: r.text('image_url', O.image_url.maxLength * 2),
    minMemberDays: r.int('min_member_days', O.min_member_days.min, O.min_member_days.max),
    minAccountDays: r.int('min_account_days', O.min_account_days.min, O.min_account_days.max),
    verifiedWallet: r.bool('verified_wallet') ?? false,
    requiresWallet: r.oneOf('requires_wallet', O.requires_wallet.choices),
  };
}

async function shopPage(call: AdminCall): Promise<ReturnType<typeof sendAdminPage>> {
  const { ctx, guildId } = call;
  const { t } = ctx;
  const { rewards, directory } = call.site.deps;
  const roles = await directory.roles(guildId);
  const list = rewards.list(guildId);
  const roleName = (id: string | null) => (id ? (roles.find((r) => r.id === id)?.name ?? id) : '—');
  const base = `/g/${guildId}/admin/shop`;
  const rows = list.map(
    (r) =>
      html`<tr>
        <td>${r.name}</td>
        <td class="num">${r.cost}</td>
        <td>${t(`admin.shop.kind.${r.kind}`)}</td>
        <td>${roleName(r.roleId)}</td>
        <td class="num">${r.stock ?? t('admin.shop.unlimited')}</td>
        <td>${r.enabled === 1 ? t('admin.shop.on_sale') : t('admin.shop.paused')}</td>
        <td class="actions">
          <a href="${base}/${r.id}">${t('admin.shop.edit', { name: r.name })}</a>
          ${form(
            ctx,
            `${base}/${r.id}/remove`,
            html`<button type="submit" class="danger">${t('admin.shop.remove', { name: r.name })}</button>`,
            { confirm: t('admin.shop.remove_confirm', { name: r.name }), cls: 'inline' },
          )}
        </td>
      </tr>`,
  );
  return sendAdminPage(call, {
    section: 'shop',
    title: t('admin.section.shop'),
    body: html`${
        list.length === 0
          ? html`<p>${t('admin.shop.empty')}</p>`
          : dataTable({
              caption: t('admin.shop.caption', { count: list.length }),
              columns: [
                { label: t('admin.shop.name') },
                { label: t('admin.shop.cost'), num: true },
                { label: t('admin.shop.kind') },
                { label: t('admin.shop.role') },
                { label: t('admin.shop.stock'), num: true },
                { label: t('admin.shop.status') },
                { label: t('admin.shop.actions') },
              ],
              rows,
            })
      }
      <h2 id="add">${t('admin.shop.add')}</h2>
      ${rewardForm(ctx, roles, null, base)}`,
  });
}

/** The add form (`reward` null) or a reward's edit form, every field named like its command option. */
function rewardForm(
  ctx: PageContext,
  roles: readonly WebRole[],
  reward: RewardRow | null,
  action: string,
): Html {
  const { t } = ctx;
  const v = (s: string | number | null | undefined) => (s === null || s === undefined ? '' : String(s));
  const kindControl = reward
    ? html`<input
        id="kind"
        value="${t(`admin.shop.kind.${reward.kind}`)}"
        readonly
        aria-describedby="kind-hint"
      />`
    : html`<select id="kind" name="kind" required>
        ${REWARD_KINDS.map((k) => html`<option value="${k}">${t(`admin.shop.kind.${k}`)}</option>`)}
      </select>`;
  const body = html`<fieldset class="admin-form">
    <legend>${reward ? t('admin.shop.edit', { name: reward.name }) : t('admin.shop.add')}</legend>
    ${field(
      'name',
      t('admin.shop.name'),
      html`<input
        id="name"
        name="name"
        required
        maxlength="${O.name.maxLength}"
        value="${v(reward?.name)}"
      />`,
    )}
    ${field(
      'cost',
      t('admin.shop.cost'),
      html`<input
        id="cost"
        name="cost"
        type="number"
        required
        min="${O.cost.min}"
        max="${O.cost.max}"
        value="${v(reward?.cost)}"
      />`,
    )}
    ${field('kind', t('admin.shop.kind'), kindControl, reward ? t('admin.shop.kind_fixed') : undefined)}
    ${field(
      'role',
      t('admin.shop.role'),
      roleSelect(ctx, 'role', roles, reward?.roleId ?? null, { none: t('admin.none'), annotate: true }),
      t('admin.shop.role_hint'),
    )}
    ${field(
      'description',
      t('admin.shop.description'),
      html`<textarea id="description" name="description" maxlength="${O.description.maxLength}" rows="2">
${v(reward?.description)}</textarea>`,
    )}
    ${field(
      'stock',
      t('admin.shop.stock'),
      html`<input
        id="stock"
        name="stock"
        type="number"
        min="${O.stock.min}"
        max="${O.stock.max}"
        value="${v(reward?.stock)}"
      />`,
      t('admin.shop.stock_hint'),
    )}
    ${field(
      'per_member_limit',
      t('admin.shop.per_member_limit'),
      html`<input
        id="per_member_limit"
        name="per_member_limit"
        type="number"
        min="${O.per_member_limit.min}"
        max="${O.per_member_limit.max}"
        value="${v(reward?.perMemberLimit)}"
      />`,
    )}
    ${field(
      'duration',
      t('admin.shop.duration'),
      html`<input
        id="duration"
        name="duration"
        maxlength="${O.duration.maxLength}"
        value="${reward?.durationSeconds ? durationText(reward.durationSeconds) : ''}"
      />`,
      t('admin.shop.duration_hint'),
    )}
    ${field(
      'input_label',
      t('admin.shop.input_label'),
      html`<input
        id="input_label"
        name="input_label"
        maxlength="${O.input_label.maxLength}"
        value="${v(reward?.inputLabel)}"
      />`,
      t('admin.shop.input_hint'),
    )}
    ${field(
      'input_kind',
      t('admin.shop.input_kind'),
      html`<select id="input_kind" name="input_kind">
        <option value="">${t('admin.none')}</option>
        ${INPUT_KINDS.map(
          (k) =>
            html`<option value="${k}" ${reward?.inputKind === k ? html` selected` : ''}>
              ${t(`admin.shop.input_kind.${k}`)}
            </option>`,
        )}
      </select>`,
    )}
    ${field(
      'required_role',
      t('admin.shop.required_role'),
      roleSelect(ctx, 'required_role', roles, reward?.requiredRoleId ?? null, { none: t('admin.none') }),
    )}
    ${field(
      'min_member_days',
      t('admin.shop.min_member_days'),
      html`<input
        id="min_member_days"
        name="min_member_days"
        type="number"
        min="${O.min_member_days.min}"
        max="${O.min_member_days.max}"
        value="${reward?.minMemberDays ?? ''}"
      />`,
    )}
    ${field(
      'min_account_days',
      t('admin.shop.min_account_days'),
      html`<input
        id="min_account_days"
        name="min_account_days"
        type="number"
        min="${O.min_account_days.min}"
        max="${O.min_account_days.max}"
        value="${reward?.minAccountDays ?? ''}"
      />`,
    )}
    ${field(
      'verified_wallet',
      t('admin.shop.verified_wallet'),
      html`<select id="verified_wallet" name="verified_wallet">
        <option value="false" ${reward?.verifiedWallet !== 1 ? html` selected` : ''}>${t('admin.no')}</option>
        <option value="true" ${reward?.verifiedWallet === 1 ? html` selected` : ''}>${t('admin.yes')}</option>
      </select>`,
    )}
    ${field(
      'requires_wallet',
      t('admin.shop.requires_wallet'),
      html`<select id="requires_wallet" name="requires_wallet">
        <option value="">${t('admin.none')}</option>
        ${O.requires_wallet.choices.map(
          (k) =>
            html`<option value="${k}" ${reward?.requiresWallet === k ? html` selected` : ''}>
              ${t(`admin.shop.requires_wallet.${k}`)}
            </option>`,
        )}
      </select>`,
      t('admin.shop.requires_wallet_hint'),
    )}
    ${field(
      'image_url',
      t('admin.shop.image_url'),
      html`<input
        id="image_url"
        name="image_url"
        type="url"
        maxlength="${O.image_url.maxLength}"
        placeholder="https://"
        value="${v(reward?.imageUrl)}"
      />`,
      t('admin.shop.image_hint'),
    )}
    ${
      reward
        ? field(
            'enabled',
            t('admin.shop.enabled'),
            html`<select id="enabled" name="enabled">
              <option value="true" ${reward.enabled === 1 ? html` selected` : ''}>${t('admin.yes')}</option>
              <option value="false" ${reward.enabled !== 1 ? html` selected` : ''}>${t('admin.no')}</option>
            </select>`,
          )
        : ''
    }
    <p><button type="submit">${reward ? t('admin.save') : t('admin.shop.add')}</button></p>
  </fieldset>`;
  return form(ctx, action, body);
}

/** `1d 12h`: what the duration field shows, in the form `/sparks-admin reward` reads. */
function durationText(seconds: number): string {
  return durationParts(seconds)
    .map((p) => `${p.n}${p.unit}`)
    .join(' ');
}

function rewardOf(call: AdminCall): RewardRow {
  const id = (call.request.params as { rewardId?: string }).rewardId ?? '';
  const reward = /^\d{1,15}$/.test(id) ? call.site.deps.rewards.get(Number(id)) : undefined;
  if (!reward || reward.guildId !== call.guildId || reward.removedAt !== null)
    throw new WebError(404, 'error.404');
  return reward;
}

export const SHOP_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: '/shop', handle: shopPage },
  {
    method: 'POST',
    path: '/shop',
    async handle(call) {
      const reward = await refusing(call.ctx, async () => {
        const r = new FormReader(call.request.body);
        const fields: RewardFields = {
          name: r.required('name', O.name.maxLength * 4),
          cost: r.int('cost', O.cost.min, O.cost.max) ?? Number.NaN,
          kind: r.oneOf('kind', REWARD_KINDS, true),
          ...readFields(r),
        };
        if (fields.roleId && fields.kind !== 'manual') await assignableRole(call, fields.roleId, 'shop.fix');
        return call.site.deps.rewards.add(call.guildId, call.actorId, fields);
      });
      return redirectDone(call, '/shop', 'added', reward.name);
    },
  },
  {
    method: 'GET',
    path: '/shop/:rewardId',
    async handle(call) {
      const reward = rewardOf(call);
      const roles = await call.site.deps.directory.roles(call.guildId);
      return sendAdminPage(call, {
        section: 'shop',
        title: call.ctx.t('admin.shop.edit', { name: reward.name }),
        body: html`<p><a href="/g/${call.guildId}/admin/shop">${call.ctx.t('admin.shop.back')}</a></p>
          ${rewardForm(call.ctx, roles, reward, `/g/${call.guildId}/admin/shop/${reward.id}`)}`,
      });
    },
  },
  {
    method: 'POST',
    path: '/shop/:rewardId',
    async handle(call) {
      const current = rewardOf(call);
      const outcome = await refusing(call.ctx, async () => {
        const r = new FormReader(call.request.body);
        const wanted: Required<RewardPatch> = {
          name: r.required('name', O.name.maxLength * 4),
          cost: r.int('cost', O.cost.min, O.cost.max) ?? Number.NaN,
          ...(readFields(r) as Required<ReturnType<typeof readFields>>),
          enabled: r.bool('enabled') ?? current.enabled === 1,
        };
        const patch = changes(current, wanted);
        if (Object.keys(patch).length === 0) return null;
        // As the command: a new role, or turning a reward back on, is checked against Discord now.
        const roleId = patch.roleId === undefined ? current.roleId : patch.roleId;
        if (roleId && current.kind !== 'manual' && (patch.roleId !== undefined || patch.enabled === true))
          await assignableRole(call, roleId, 'shop.fix');
        return call.site.deps.rewards.edit(call.guildId, current.id, call.actorId, patch);
      });
      return outcome
        ? redirectDone(call, '/shop', 'edited', outcome.name)
        : redirectDone(call, `/shop/${current.id}`, 'nothing');
    },
  },
  {
    method: 'POST',
    path: '/shop/:rewardId/remove',
    async handle(call) {
      const current = rewardOf(call);
      const removed = await refusing(call.ctx, () =>
        call.site.deps.rewards.remove(call.guildId, current.id, call.actorId),
      );
      return redirectDone(call, '/shop', 'removed', removed.name);
    },
  },
];

/** Only what the form changed, as `/sparks-admin reward edit` passes only the options given. */
function changes(current: RewardRow, wanted: Required<RewardPatch>): RewardPatch {
  const now: Required<RewardPatch> = {
    name: current.name,
    cost: current.cost,
    roleId: current.roleId,
    description: current.description || null,
    stock: current.stock,
    perMemberLimit: current.perMemberLimit,
    durationSeconds: current.durationSeconds,
    inputLabel: current.inputLabel,
    inputKind: (current.inputKind as RewardPatch['inputKind']) ?? null,
    requiredRoleId: current.requiredRoleId,
    imageUrl: current.imageUrl,
    minMemberDays: current.minMemberDays,
    minAccountDays: current.minAccountDays,
    verifiedWallet: current.verifiedWallet === 1,
    requiresWallet: (current.requiresWallet as RewardPatch['requiresWallet']) ?? null,
    enabled: current.enabled === 1,
  };
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(wanted) as (keyof RewardPatch)[])
    if (wanted[key] !== now[key]) patch[key] = wanted[key];
  return patch;
}
