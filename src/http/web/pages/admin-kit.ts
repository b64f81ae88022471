/**
 * What every dashboard page shares: the route table (each route passes the admin guard
 * before its handler runs, fresh from Discord on a POST), the section navigation, reading
 * a form whose fields are named like the slash command's options, and turning a domain
 * refusal into the same localized words the bot replies with, on a 4xx page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSparksError, SparksError, type ErrorParams } from '../../../core/errors.ts';
import { translate } from '../../../discord/i18n/index.ts';
import { localizeShopError } from '../../../discord/shop-text.ts';
import type { WebRole } from '../directory.ts';
import { WebError } from '../errors.ts';
import type { MemberAccess } from '../guards.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';

export const SNOWFLAKE = /^\d{15,25}$/;

/** One dashboard route: its path under `/g/:guildId/admin`, and what it does once the visitor is an admin. */
export interface AdminRoute {
  method: 'GET' | 'POST';
  path: string;
  handle: (call: AdminCall) => Promise<FastifyReply>;
}

export interface AdminCall {
  site: Site;
  request: FastifyRequest;
  reply: FastifyReply;
  ctx: PageContext;
  access: MemberAccess;
  guildId: string;
  /** The admin's user id: the actor of everything they do. */
  actorId: string;
}

export const SECTIONS = [
  'shop',
  'redemptions',
  'award',
  'tiers',
  'seasons',
  'raffles',
  'settings',
  'campaigns',
  'quests',
  'ledger',
  'analytics',
  'flags',
] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * Registers the routes. The guard runs first in every handler: a visitor who is not an
 * admin gets 403 before anything is read or written (after the CSRF check on a POST).
 */
export function registerAdminRoutes(site: Site, routes: readonly AdminRoute[]): void {
  for (const route of routes) {
    const url = `/g/:guildId/admin${route.path}`;
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const access = await site.guards.admin(request);
      return route.handle({
        site,
        request,
        reply,
        ctx: request.page,
        access,
        guildId: access.guild.id,
        actorId: access.session.userId,
      });
    };
    if (route.method === 'GET') site.app.get(url, handler);
    else site.app.post(url, { ...site.formLimit, preHandler: site.csrfCheck }, handler);
  }
}

/** A dashboard page: the guild's navigation, the sections' navigation, an outcome notice. */
export function sendAdminPage(
  call: AdminCall,
  o: { section: Section | null; title: string; body: Html; status?: number },
): FastifyReply {
  const { ctx, access } = call;
  const { t } = ctx;
  const base = `/g/${call.guildId}/admin`;
  const sections = html`<nav class="tabs admin-sections" aria-label="${t('admin.sections')}">
    <a href="${base}" ${o.section === null ? html` aria-current="page"` : ''}>${t('admin.home')}</a>
    ${SECTIONS.map(
      (s) =>
        html`<a href="${base}/${s}" ${o.section === s ? html` aria-current="page"` : ''}
          >${t(`admin.section.${s}`)}</a
        >`,
    )}
  </nav>`;
  const done = doneNotice(ctx, call.request);
  return sendPage(
    call.reply,
    o.status ?? 200,
    page(ctx, {
      title: `${o.title} · ${access.guild.name}`,
      guild: access.nav,
      body: html`${sections}
        <h1>${o.title}</h1>
        ${done}${o.body}`,
    }),
  );
}

/** Post/Redirect/Get: back to the page with the outcome's key (and a name to show) in the query. */
export function redirectDone(call: AdminCall, path: string, done: DoneKey, name?: string): FastifyReply {
  const q = new URLSearchParams({ done });
  if (name) q.set('name', name.slice(0, 100));
  return call.reply.redirect(`/g/${call.guildId}/admin${path}?${q.toString()}`, 303);
}

const DONE_KEYS = [
  'added',
  'edited',
  'removed',
  'nothing',
  'fulfilled',
  'rejected',
  'awarded',
  'revoked',
  'duplicate',
  'tier_set',
  'tier_removed',
  'settings_saved',
  'quest_created',
  'quest_step',
  'quest_published',
  'quest_scheduled',
  'quest_ended',
  'quest_saved',
  'quest_approved',
  'quest_rejected',
  'flagged',
  'unflagged',
] as const;
export type DoneKey = (typeof DONE_KEYS)[number];

function doneNotice(ctx: PageContext, request: FastifyRequest): Html | '' {
  const q = request.query as Record<string, unknown>;
  const key = DONE_KEYS.find((k) => k === q.done);
  if (!key) return '';
  const name = typeof q.name === 'string' ? q.name.slice(0, 100) : '';
  return html`<p class="notice good" role="status">${ctx.t(`admin.done.${key}`, { name })}</p>`;
}

/** A form that changes something: POSTs to `action` with the CSRF token. */
export function form(
  ctx: PageContext,
  action: string,
  body: Html,
  o: { confirm?: string; cls?: string } = {},
): Html {
  return html`<form
    method="post"
    action="${action}"
    ${o.cls ? html` class="${o.cls}"` : ''}
    ${o.confirm ? html` data-confirm="${o.confirm}"` : ''}
  >
    ${csrfField(ctx)}${body}
  </form>`;
}

/**
 * A labelled field; the label names the command option too, so moderators recognise it.
 * `option` is the field's name when the control's id differs (two forms on one page).
 */
export function field(id: string, label: string, control: Html, hint?: string, option = id): Html {
  return html`<div class="field">
    <label for="${id}">${label} <code class="option">${option}</code></label>
    ${control} ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
  </div>`;
}

/** A select of the guild's roles; `none` labels the empty choice. Roles the bot cannot hand out say why. */
export function roleSelect(
  ctx: PageContext,
  name: string,
  roles: readonly WebRole[],
  selected: string | null,
  o: { none?: string; required?: boolean; annotate?: boolean; id?: string } = {},
): Html {
  return html`<select id="${o.id ?? name}" name="${name}" ${o.required ? html` required` : ''}>
    ${o.none !== undefined ? html`<option value="">${o.none}</option>` : ''}
    ${roles.map(
      (r) =>
        html`<option value="${r.id}" ${r.id === selected ? html` selected` : ''}>
          ${r.name}${o.annotate && !r.assignable ? ` — ${ctx.t('admin.role_unassignable')}` : ''}
        </option>`,
    )}
  </select>`;
}

/** The form's fields, read by the slash command's option names. Values the browser could not have sent are 400s. */
export class FormReader {
  private readonly body: Record<string, unknown>;

  constructor(body: unknown) {
    this.body = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  }

  /** Trimmed text; null when absent or blank. */
  text(name: string, max = 2000): string | null {
    const v = this.body[name];
    if (v === undefined) return null;
    if (typeof v !== 'string' || v.length > max)
      throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
    const trimmed = v.trim();
    return trimmed === '' ? null : trimmed;
  }

  required(name: string, max = 2000): string {
    const v = this.text(name, max);
    if (v === null) throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
    return v;
  }

  /** A whole number in min..max (the command option's bounds); null when blank. Errors: SPARKS.OUT_OF_RANGE. */
  int(name: string, min: number, max: number): number | null {
    const v = this.text(name, 40);
    if (v === null) return null;
    const n = /^-?\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new SparksError('SPARKS.OUT_OF_RANGE', { field: name, min, max });
    return n;
  }

  /** A Discord id; null when blank. */
  snowflake(name: string): string | null {
    const v = this.text(name, 40);
    if (v !== null && !SNOWFLAKE.test(v)) throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
    return v;
  }

  /** A yes/no select (`true` / `false`); null when blank. */
  bool(name: string): boolean | null {
    const v = this.text(name, 10);
    if (v === null) return null;
    if (v !== 'true' && v !== 'false') throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
    return v === 'true';
  }

  /** One of a fixed set of values; null when blank (unless `required`). */
  oneOf<T extends string>(name: string, values: readonly T[], required: true): T;
  oneOf<T extends string>(name: string, values: readonly T[]): T | null;
  oneOf<T extends string>(name: string, values: readonly T[], required = false): T | null {
    const v = this.text(name, 40);
    if (v === null && !required) return null;
    const found = values.find((x) => x === v);
    if (!found) throw new SparksError('SPARKS.INVALID_INPUT', { field: name });
    return found;
  }
}

/**
 * The role the moderator picked, as Discord has it now, when the bot may hand it out;
 * otherwise the command's own refusal (SPARKS.ROLE_UNSAFE naming the fix, or
 * SPARKS.BOT_BUSY when Discord did not answer). `fix` picks the wording's catalogue.
 */
export async function assignableRole(
  call: AdminCall,
  roleId: string,
  fix: 'shop.fix' | 'tier.unsafe',
): Promise<WebRole> {
  const roles = await call.site.deps.directory.roles(call.guildId);
  const role = roles.find((r) => r.id === roleId);
  const params = {
    role: role ? `@${role.name}` : roleId,
    permissions: role?.problem?.permissions.join(', ') ?? '',
  };
  if (!role) throw new SparksError('SPARKS.ROLE_UNSAFE', { reasonKey: `${fix}.role_missing`, ...params });
  if (role.problem?.reason === 'discord_unavailable') throw new SparksError('SPARKS.BOT_BUSY');
  if (role.problem)
    throw new SparksError('SPARKS.ROLE_UNSAFE', { reasonKey: `${fix}.${role.problem.reason}`, ...params });
  return role;
}

/**
 * Runs an action; a domain refusal becomes a 4xx page in the admin's language with the
 * words the bot would reply with (nothing was written: services validate before writing).
 */
export async function refusing<T>(ctx: PageContext, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toWebError(ctx, e);
  }
}

function toWebError(ctx: PageContext, raw: unknown): unknown {
  const t = (key: string, params?: ErrorParams) => translate(ctx.locale, key, params);
  const e = localizeShopError(raw, t);
  if (!isSparksError(e)) return e;
  let params: ErrorParams = e.params;
  if (isSparksError(e, 'SPARKS.TIER_INVALID') && typeof params.reason === 'string')
    params = { ...params, reasonKey: `tier.invalid.${params.reason}` };
  if (typeof params.reasonKey === 'string') params = { ...params, reason: t(params.reasonKey, params) };
  const status = e.code.endsWith('_NOT_FOUND') ? 404 : 400;
  return new WebError(status, 'admin.refused', { reason: plain(t(`error.${e.code}`, params)) });
}

/** The bot's words are Discord markdown; a page shows them as text. */
function plain(text: string): string {
  return text.replace(/\*\*|`/g, '');
}
