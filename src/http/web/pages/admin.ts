/**
 * The admin dashboard (`/g/:guildId/admin/…`, SPEC §8): its home, linking each section,
 * and the sections this module serves. Every action calls the same service method as its
 * slash-command twin, with the admin as the actor, so it lands in the audit log the same way.
 */
import { html } from '../html.ts';
import type { Site } from '../site.ts';
import { AWARD_ROUTES } from './admin-award.ts';
import { registerAdminRoutes, SECTIONS, sendAdminPage, type AdminRoute } from './admin-kit.ts';
import { QUEUE_ROUTES } from './admin-queue.ts';
import { SETTINGS_ROUTES } from './admin-settings.ts';
import { SHOP_ROUTES } from './admin-shop.ts';
import { TIER_ROUTES } from './admin-tiers.ts';
import { SEASON_ROUTES } from './admin-seasons.ts';
import { QUEST_ROUTES } from './admin-quests.ts';
import { FLAG_ROUTES } from './admin-flags.ts';

const HOME: AdminRoute = {
  method: 'GET',
  path: '',
  async handle(call) {
    const { t } = call.ctx;
    const base = `/g/${call.guildId}/admin`;
    const pending = call.site.deps.redemptions.pendingManual(call.guildId, { offset: 0, limit: 1 }).total;
    return sendAdminPage(call, {
      section: null,
      title: t('admin.title'),
      body: html`<p class="muted">${t('admin.lead')}</p>
        <ul class="grid admin-home">
          ${SECTIONS.map(
            (s) =>
              html`<li class="card">
                <h2><a href="${base}/${s}">${t(`admin.section.${s}`)}</a></h2>
                <p>${t(`admin.section.${s}.about`)}</p>
                ${
                  s === 'redemptions' && pending > 0
                    ? html`<p class="notice">${t('admin.queue.waiting', { count: pending })}</p>`
                    : ''
                }
              </li>`,
          )}
        </ul>`,
    });
  },
};

/** Every route of this module, each behind the admin guard (the tests walk this list). */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  HOME,
  ...SHOP_ROUTES,
  ...QUEUE_ROUTES,
  ...AWARD_ROUTES,
  ...TIER_ROUTES,
  ...SEASON_ROUTES,
  ...QUEST_ROUTES,
  ...SETTINGS_ROUTES,
  ...FLAG_ROUTES,
];

export function registerAdmin(site: Site): void {
  registerAdminRoutes(site, ADMIN_ROUTES);
}
