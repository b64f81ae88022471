/**
 * Tier roles, as `/sparks-admin tier list|set|remove`: the same TierService methods with
 * the admin as actor, after the same check that the bot may hand the role out.
 */
import { SparksError } from '../../../core/errors.ts';
import { MAX_TIER_THRESHOLD } from '../../../tiers/tiers.ts';
import { html } from '../html.ts';
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
  type AdminRoute,
} from './admin-kit.ts';

export const TIER_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/tiers',
    async handle(call) {
      const { ctx, guildId } = call;
      const { t } = ctx;
      const { tiers, directory } = call.site.deps;
      const list = tiers.list(guildId);
      const counts = tiers.grantedCounts(guildId);
      const roles = await directory.roles(guildId);
      const name = (id: string) => roles.find((r) => r.id === id)?.name ?? id;
      const base = `/g/${guildId}/admin/tiers`;
      return sendAdminPage(call, {
        section: 'tiers',
        title: t('admin.section.tiers'),
        body: html`${
          list.length === 0
            ? html`<p>${t('admin.tiers.empty')}</p>`
            : dataTable({
                caption: t('admin.tiers.caption'),
                columns: [
                  { label: t('admin.tiers.lifetime'), num: true },
                  { label: t('admin.tiers.role') },
                  { label: t('admin.tiers.granted'), num: true },
                  { label: t('admin.shop.actions') },
                ],
                rows: list.map(
                  (tier) =>
                    html`<tr>
                      <td class="num">${tier.threshold}</td>
                      <td>${name(tier.roleId)}</td>
                      <td class="num">${counts.get(tier.roleId) ?? 0}</td>
                      <td>
                        ${form(
                          ctx,
                          `${base}/remove`,
                          html`<input type="hidden" name="role" value="${tier.roleId}" />
                            <button type="submit" class="danger">
                              ${t('admin.tiers.remove', { role: name(tier.roleId) })}
                            </button>`,
                          { cls: 'inline' },
                        )}
                      </td>
                    </tr>`,
                ),
              })
        }
        ${form(
          ctx,
          base,
          html`<fieldset class="admin-form">
            <legend>${t('admin.tiers.set')}</legend>
            ${field('role', t('admin.tiers.role'), roleSelect(ctx, 'role', roles, null, { required: true, annotate: true }))}
            ${field(
              'lifetime',
              t('admin.tiers.lifetime'),
              html`<input
                id="lifetime"
                name="lifetime"
                type="number"
                required
                min="1"
                max="${MAX_TIER_THRESHOLD}"
              />`,
              t('admin.tiers.lifetime_hint'),
            )}
            <p><button type="submit">${t('admin.tiers.set')}</button></p>
          </fieldset>`,
        )}`,
      });
    },
  },
  {
    method: 'POST',
    path: '/tiers',
    async handle(call) {
      const role = await refusing(call.ctx, async () => {
        const r = new FormReader(call.request.body);
        const roleId = r.snowflake('role');
        if (!roleId) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'role' });
        const threshold = r.int('lifetime', 1, MAX_TIER_THRESHOLD) ?? Number.NaN;
        const picked = await assignableRole(call, roleId, 'tier.unsafe');
        const { moderatorRoleId } = call.site.deps.settings.get(call.guildId);
        call.site.deps.tiers.set(call.guildId, roleId, threshold, { moderatorRoleId, actorId: call.actorId });
        return picked;
      });
      return redirectDone(call, '/tiers', 'tier_set', role.name);
    },
  },
  {
    method: 'POST',
    path: '/tiers/remove',
    async handle(call) {
      const roleId = await refusing(call.ctx, () => {
        const roleId = new FormReader(call.request.body).snowflake('role');
        if (!roleId) throw new SparksError('SPARKS.INVALID_INPUT', { field: 'role' });
        call.site.deps.tiers.remove(call.guildId, roleId, call.actorId);
        return roleId;
      });
      const roles = await call.site.deps.directory.roles(call.guildId);
      return redirectDone(call, '/tiers', 'tier_removed', roles.find((r) => r.id === roleId)?.name ?? roleId);
    },
  },
];
