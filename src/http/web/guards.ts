/**
 * Who may see and do what on a guild's pages, decided on every request from the bot's own
 * view of the guild (WebDirectory), never from what the browser claims: a guild the bot is
 * not in, or a visitor who is not a member, is a 404; the dashboard needs Manage Server
 * (or ownership, or Administrator) or the guild's moderator role, checked against Discord
 * as it is now on every change (`fresh`), not only at login.
 */
import type { FastifyRequest } from 'fastify';
import type { SettingsService } from '../../settings/settings.ts';
import type { WebDirectory, WebGuild, WebMember } from './directory.ts';
import { WebError } from './errors.ts';
import type { GuildNav } from './layout.ts';
import type { Session } from './session.ts';

/** A Discord id as a path parameter. */
export const SNOWFLAKE = /^\d{15,25}$/;

export interface GuildAccess {
  guild: WebGuild;
  nav: GuildNav;
  /** The visitor as a member of this guild; null when anonymous (or not a member, on public pages). */
  member: WebMember | null;
  session: Session | null;
  admin: boolean;
}

export interface MemberAccess extends GuildAccess {
  member: WebMember;
  session: Session;
}

export class Guards {
  constructor(private readonly deps: { directory: WebDirectory; settings: SettingsService }) {}

  /** A guild page anyone may see. Errors: 404 (not a snowflake, or no Sparks there). */
  async guild(request: FastifyRequest, current: GuildNav['current']): Promise<GuildAccess> {
    const guildId = (request.params as { guildId?: string }).guildId ?? '';
    if (!SNOWFLAKE.test(guildId)) throw new WebError(404, 'error.404_guild');
    const guild = await this.deps.directory.guild(guildId);
    if (!guild) throw new WebError(404, 'error.404_guild');
    const session = request.page.session;
    const member = session
      ? await this.deps.directory.member(guildId, session.userId, { fresh: request.method !== 'GET' })
      : null;
    const admin = member !== null && this.isAdmin(guildId, member);
    return {
      guild,
      session,
      member,
      admin,
      nav: { id: guild.id, name: guild.name, iconUrl: guild.iconUrl, admin, current },
    };
  }

  /**
   * A page for the visitor's own Sparks: logged in (else sent to log in, then back) and a
   * member of the guild (else 404, as for a guild without Sparks).
   */
  async member(request: FastifyRequest, current: GuildNav['current']): Promise<MemberAccess> {
    if (!request.page.session) throw new WebError(401, 'error.401');
    const access = await this.guild(request, current);
    if (!access.member || !access.session) throw new WebError(404, 'error.404_guild');
    return access as MemberAccess;
  }

  /** A dashboard page or action. Errors: 401 (not logged in), 404 (not a member), 403 (not an admin). */
  async admin(request: FastifyRequest): Promise<MemberAccess> {
    const access = await this.member(request, 'admin');
    if (!access.admin) throw new WebError(403, 'error.403_admin');
    return access;
  }

  private isAdmin(guildId: string, member: WebMember): boolean {
    if (member.managesGuild) return true;
    const modRole = this.deps.settings.get(guildId).moderatorRoleId;
    return modRole !== null && member.roleIds.includes(modRole);
  }
}
