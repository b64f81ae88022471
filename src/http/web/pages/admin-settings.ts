/**
 * The settings, as `/sparks-admin config` has them: every option by its name with its
 * current value. Saving sends only what changed through the same option table and
 * SettingsService.update as the command (a blank field puts the setting back to its
 * default), after the same check that the bot can post the audit log in a new log channel.
 */
import { SparksError } from '../../../core/errors.ts';
import {
  optionPatch,
  optionValue,
  resetPatch,
  SETTING_OPTION_NAMES,
  SETTING_OPTIONS,
  type SettingOption,
  type SettingValue,
} from '../../../settings/options.ts';
import type { SettingsPatch } from '../../../settings/settings.ts';
import { formatMilestones, parseMilestones } from '../../../streaks/milestones.ts';
import type { WebChannel, WebRole } from '../directory.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import {
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

function control(
  ctx: PageContext,
  name: SettingOption,
  value: SettingValue | null,
  lists: { roles: readonly WebRole[]; channels: readonly WebChannel[] },
): Html {
  const { t } = ctx;
  const option = SETTING_OPTIONS[name];
  switch (option.type) {
    case 'channel':
      return html`<select id="${name}" name="${name}">
        <option value="">${t('admin.not_set')}</option>
        ${lists.channels.map(
          (c) =>
            html`<option value="${c.id}" ${c.id === value ? html` selected` : ''}>
              #${c.name}${c.missingPermission ? ` — ${t('admin.settings.cannot_post', { permission: c.missingPermission })}` : ''}
            </option>`,
        )}
      </select>`;
    case 'role':
      return roleSelect(ctx, name, lists.roles, typeof value === 'string' ? value : null, {
        none: t('admin.not_set'),
      });
    case 'boolean':
      return html`<select id="${name}" name="${name}">
        <option value="true" ${value === true ? html` selected` : ''}>${t('admin.on')}</option>
        <option value="false" ${value === false ? html` selected` : ''}>${t('admin.off')}</option>
      </select>`;
    case 'integer':
      return html`<input
        id="${name}"
        name="${name}"
        type="number"
        min="${option.min}"
        max="${option.max}"
        value="${value === null ? '' : String(value)}"
      />`;
    case 'milestones':
      return html`<input
        id="${name}"
        name="${name}"
        type="text"
        maxlength="${option.maxLength}"
        placeholder="3:10, 7:50, 30:200"
        value="${value === null ? '' : String(value)}"
      />`;
  }
}

/** The option's value in the form, typed as the option is; null when blank. */
function read(r: FormReader, name: SettingOption): SettingValue | null {
  const option = SETTING_OPTIONS[name];
  switch (option.type) {
    case 'channel':
    case 'role':
      return r.snowflake(name);
    case 'boolean':
      return r.bool(name);
    case 'integer':
      return r.int(name, option.min, option.max);
    case 'milestones': {
      // As the settings show it back, so an unchanged list is not saved again.
      const text = r.text(name, option.maxLength);
      return text === null ? null : formatMilestones(parseMilestones(text));
    }
  }
}

async function save(call: AdminCall): Promise<ReturnType<typeof redirectDone>> {
  const { settings, directory, logger } = call.site.deps;
  const changed = await refusing(call.ctx, async () => {
    const r = new FormReader(call.request.body);
    const current = settings.get(call.guildId);
    const patch: SettingsPatch = {};
    const names: SettingOption[] = [];
    for (const name of SETTING_OPTION_NAMES) {
      const value = read(r, name);
      if (value === optionValue(name, current)) continue;
      Object.assign(patch, value === null ? resetPatch(name) : optionPatch(name, value, call.guildId));
      names.push(name);
    }
    if (names.length === 0) return names;
    if (patch.logChannelId) {
      const channel = (await directory.channels(call.guildId)).find((c) => c.id === patch.logChannelId);
      const missing = channel ? channel.missingPermission : 'View Channel';
      if (missing)
        throw new SparksError('SPARKS.MISSING_PERMISSION', {
          permission: missing,
          channel: channel ? `#${channel.name}` : patch.logChannelId,
        });
    }
    settings.update(call.guildId, patch, call.actorId);
    return names;
  });
  if (changed.length === 0) return redirectDone(call, '/settings', 'nothing');
  // As after the command: a new excluded role re-ranks every member (a long job: not awaited).
  if (changed.includes('leaderboard_exclude_role'))
    directory
      .rerank(call.guildId)
      .catch((err: unknown) => logger.warn({ err }, 'leaderboard re-rank failed'));
  return redirectDone(call, '/settings', 'settings_saved');
}

export const SETTINGS_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/settings',
    async handle(call) {
      const { ctx, guildId } = call;
      const { t } = ctx;
      const { settings, directory } = call.site.deps;
      const current = settings.get(guildId);
      const [roles, channels] = await Promise.all([directory.roles(guildId), directory.channels(guildId)]);
      const fields = SETTING_OPTION_NAMES.map((name) =>
        field(
          name,
          t(`admin.settings.${name}`),
          control(ctx, name, optionValue(name, current), { roles, channels }),
          t(`admin.settings.${name}.hint`),
        ),
      );
      return sendAdminPage(call, {
        section: 'settings',
        title: t('admin.section.settings'),
        body: html`<p class="muted">${t('admin.settings.lead')}</p>
          ${form(
            ctx,
            `/g/${guildId}/admin/settings`,
            html`<fieldset class="admin-form">
              <legend>${t('admin.section.settings')}</legend>
              ${fields}
              <p><button type="submit">${t('admin.save')}</button></p>
            </fieldset>`,
          )}`,
      });
    },
  },
  { method: 'POST', path: '/settings', handle: save },
];
