/**
 * What a member does that reaches the bot as an interaction: slash commands (with options
 * typed and resolved from the registered definition), autocomplete, buttons and select
 * menus, modal submits and context menus. Each is checked the way a Discord client would
 * refuse it (unless `force`), shaped by payloads.ts and dispatched as INTERACTION_CREATE.
 */
import { randomBytes } from 'node:crypto';
import type {
  AutocompleteInput,
  CommonInput,
  ContextMenuInput,
  FakeDiscord,
  InteractionState,
  ModalInput,
  OptionValue,
  RegisteredCommand,
  SelectInput,
  SlashInput,
  ComponentInput,
} from './fake-discord.ts';
import { InteractionHandle, InteractionType, findComponent, type InteractionKind } from './interactions.ts';
import { interactionJson, messageJson, resolveChannel, resolveRole, resolveUser } from './payloads.ts';
import type { ChannelRecord, GuildRecord, JsonObject, MemberRecord } from './state.ts';
import { describeRequest } from './requests.ts';

/** Application command option types, as Discord numbers them. */
export const OptionType = {
  SubcommandGroup: 2,
  Subcommand: 1,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** Where an interaction happens: the guild, channel and member it comes from, in their client's language. */
interface Where {
  guild: GuildRecord;
  channel: ChannelRecord;
  member: MemberRecord;
  locale: string | undefined;
}

/** Builds and delivers the interactions FakeDiscord's `slash`, `clickButton`, … inject. */
export class InteractionInjector {
  readonly #fake: FakeDiscord;

  constructor(fake: FakeDiscord) {
    this.#fake = fake;
  }

  slash(input: SlashInput): InteractionHandle {
    return this.#command(input, InteractionType.ApplicationCommand);
  }

  autocomplete(input: AutocompleteInput): InteractionHandle {
    return this.#command(input, InteractionType.ApplicationCommandAutocomplete, input.focused);
  }

  clickButton(input: ComponentInput): InteractionHandle {
    return this.#component(input, [2], undefined);
  }

  selectMenu(input: SelectInput): InteractionHandle {
    return this.#component(input, [3, 5, 6, 7, 8], input.values);
  }

  submitModal(input: ModalInput): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const shown = this.#fake.modals.get(input.customId);
    if (!shown && !input.force) {
      throw new Error(
        `submitModal: the bot never showed a modal with custom_id ${JSON.stringify(input.customId)} (shown: ${[...this.#fake.modals.keys()].join(', ') || 'none'})`,
      );
    }
    const components = buildModalComponents(shown?.data, input.fields, input.force === true);
    const data: JsonObject = { custom_id: input.customId, components };
    const extra: JsonObject = {};
    let messageId: string | undefined;
    if (shown?.sourceMessageId) {
      const source = this.#fake.state.messages.get(shown.sourceMessageId);
      if (source) {
        extra.message = messageJson(
          this.#fake.state,
          source,
          this.#fake.botUserId,
          this.#fake.attachmentBase(),
        );
        messageId = source.id;
      }
    }
    return this.#deliver(
      'modal',
      InteractionType.ModalSubmit,
      data,
      { guild, channel, member, locale: input.locale },
      extra,
      {
        messageId,
        description: `modal submit ${JSON.stringify(input.customId)}`,
      },
    );
  }

  /** A member uses a message (targetMessageId) or user (targetUserId) context-menu command. */
  contextMenu(input: ContextMenuInput): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const commandType = input.targetMessageId ? 3 : 2;
    const command = this.#findCommand(input.command, guild.id, commandType);
    const resolved: JsonObject = {};
    let targetId: string;
    if (input.targetMessageId) {
      const target = this.#fake.state.messages.get(input.targetMessageId);
      if (!target) throw new Error(`contextMenu: unknown message ${input.targetMessageId}`);
      targetId = target.id;
      resolved.messages = {
        [target.id]: messageJson(this.#fake.state, target, this.#fake.botUserId, this.#fake.attachmentBase()),
      };
    } else if (input.targetUserId) {
      targetId = input.targetUserId;
      resolveUser(this.#fake.state, guild, channel, targetId, resolved);
    } else {
      throw new Error('contextMenu: give targetMessageId or targetUserId');
    }
    const data: JsonObject = {
      id: command?.id ?? this.#fake.ids.next(),
      name: input.command,
      type: commandType,
      target_id: targetId,
      resolved,
      ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
    };
    return this.#deliver(
      'context-menu',
      InteractionType.ApplicationCommand,
      data,
      { guild, channel, member, locale: input.locale },
      {},
      {
        commandName: input.command,
        commandType,
        description: `context menu ${JSON.stringify(input.command)}`,
      },
    );
  }

  #context(input: CommonInput): Omit<Where, 'locale'> {
    const channel = this.#fake.state.requireChannel(input.channelId);
    const guildId = input.guildId ?? channel.guildId;
    if (!guildId) throw new Error('fake-discord: interactions in DMs are not supported; use a guild channel');
    if (channel.guildId !== guildId)
      throw new Error(`fake-discord: channel ${channel.id} is not in guild ${guildId}`);
    const guild = this.#fake.state.requireGuild(guildId);
    const member = this.#fake.state.requireMember(guildId, input.userId);
    return { guild, channel, member };
  }

  #findCommand(name: string, guildId: string, type: number): RegisteredCommand | undefined {
    const find = (list: RegisteredCommand[] | undefined): RegisteredCommand | undefined =>
      list?.find((c) => c.name === name && (c.type ?? 1) === type);
    return find(this.#fake.commands.get(guildId)) ?? find(this.#fake.commands.get('global'));
  }

  #command(input: SlashInput, interactionType: number, focused?: string): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const command = this.#findCommand(input.command, guild.id, 1);
    const path = [input.command, input.subcommandGroup, input.subcommand].filter(Boolean).join(' ');
    let defs: JsonObject[] | undefined;
    if (command) {
      let level = (command.options as JsonObject[] | undefined) ?? [];
      const step = (name: string | undefined, type: number): void => {
        if (name === undefined) return;
        const next = level.find((o) => o.name === name && o.type === type);
        if (!next && !input.force) {
          throw new Error(
            `fake-discord: /${input.command} has no ${type === 2 ? 'subcommand group' : 'subcommand'} ${JSON.stringify(name)}`,
          );
        }
        level = (next?.options as JsonObject[] | undefined) ?? [];
      };
      step(input.subcommandGroup, OptionType.SubcommandGroup);
      step(input.subcommand, OptionType.Subcommand);
      defs = level;
      if (
        !input.force &&
        level.some((o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup)
      ) {
        throw new Error(
          `fake-discord: /${path} needs a subcommand (Discord never sends a bare command that has subcommands)`,
        );
      }
    }
    const resolved: JsonObject = {};
    const given = { ...(input.options ?? {}) };
    if (focused !== undefined && !(focused in given)) given[focused] = '';
    const leaf: JsonObject[] = [];
    for (const [name, value] of Object.entries(given)) {
      const def = defs?.find((o) => o.name === name);
      if (defs && !def && !input.force)
        throw new Error(`fake-discord: /${path} has no option ${JSON.stringify(name)}`);
      // Commands the bot never registered still arrive (a stale client); their options as strings.
      const type = typeof def?.type === 'number' ? def.type : OptionType.String;
      if (name === focused) {
        leaf.push({ name, type, value: String(value), focused: true });
        continue;
      }
      leaf.push({
        name,
        type,
        value: this.#optionValue(guild, channel, name, type, value, resolved, input.force === true),
      });
    }
    if (defs && !input.force && interactionType === InteractionType.ApplicationCommand) {
      for (const def of defs) {
        if (def.required === true && !(String(def.name) in given)) {
          throw new Error(
            `fake-discord: /${path} requires option ${JSON.stringify(def.name)} (a Discord client would not send it without)`,
          );
        }
      }
    }
    let options: JsonObject[] = leaf;
    if (input.subcommand) options = [{ name: input.subcommand, type: OptionType.Subcommand, options }];
    if (input.subcommandGroup)
      options = [{ name: input.subcommandGroup, type: OptionType.SubcommandGroup, options }];
    const data: JsonObject = {
      id: command?.id ?? this.#fake.ids.next(),
      name: input.command,
      type: 1,
      ...(options.length > 0 ? { options } : {}),
      ...(Object.keys(resolved).length > 0 && interactionType === InteractionType.ApplicationCommand
        ? { resolved }
        : {}),
      ...(command && typeof command.guild_id === 'string' ? { guild_id: command.guild_id } : {}),
    };
    const kind: InteractionKind =
      interactionType === InteractionType.ApplicationCommand ? 'command' : 'autocomplete';
    return this.#deliver(
      kind,
      interactionType,
      data,
      { guild, channel, member, locale: input.locale },
      {},
      {
        commandName: input.command,
        commandType: 1,
        description: `${kind === 'autocomplete' ? `autocomplete of ${JSON.stringify(focused)} in ` : ''}/${path}`,
      },
    );
  }

  #optionValue(
    guild: GuildRecord,
    channel: ChannelRecord,
    name: string,
    type: number,
    value: OptionValue,
    resolved: JsonObject,
    force: boolean,
  ): OptionValue {
    const fail = (what: string): never => {
      throw new Error(`fake-discord: option ${JSON.stringify(name)} ${what}; got ${JSON.stringify(value)}`);
    };
    switch (type) {
      case OptionType.String:
        return String(value);
      case OptionType.Integer: {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isSafeInteger(n) && !force) fail('is an integer option');
        return n;
      }
      case OptionType.Number: {
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isFinite(n) && !force) fail('is a number option');
        return n;
      }
      case OptionType.Boolean:
        return value === true || value === 'true';
      case OptionType.User:
        resolveUser(this.#fake.state, guild, channel, String(value), resolved);
        return String(value);
      case OptionType.Role:
        resolveRole(guild, String(value), resolved);
        return String(value);
      case OptionType.Mentionable:
        if (guild.roles.has(String(value))) resolveRole(guild, String(value), resolved);
        else resolveUser(this.#fake.state, guild, channel, String(value), resolved);
        return String(value);
      case OptionType.Channel: {
        const target = this.#fake.state.channels.get(String(value));
        if (!target) fail('is a channel option, but no such channel exists');
        resolveChannel(this.#fake.state, guild, target!, this.#fake.botUserId, resolved);
        return String(value);
      }
      default:
        return typeof value === 'boolean' ? String(value) : value;
    }
  }

  #component(input: ComponentInput, types: number[], values: string[] | undefined): InteractionHandle {
    const { guild, channel, member } = this.#context(input);
    const message = this.#fake.state.messages.get(input.messageId);
    if (!message || message.deleted || message.channelId !== channel.id) {
      throw new Error(
        `fake-discord: no message ${input.messageId} in channel ${channel.id} to interact with`,
      );
    }
    if (message.authorId !== this.#fake.botUserId && !input.force) {
      throw new Error(
        `fake-discord: message ${message.id} was not sent by the bot; its components cannot reach the bot`,
      );
    }
    if (message.ephemeralFor && message.ephemeralFor !== input.userId) {
      throw new Error(`fake-discord: message ${message.id} is ephemeral for another user`);
    }
    const component = findComponent(message.components, input.customId);
    if (!input.force) {
      if (!component || typeof component.type !== 'number' || !types.includes(component.type)) {
        const ids: string[] = [];
        const walk = (list: JsonObject[]): void => {
          for (const c of list) {
            if (typeof c.custom_id === 'string') ids.push(c.custom_id);
            walk((c.components as JsonObject[] | undefined) ?? []);
            if (c.accessory) walk([c.accessory as JsonObject]);
          }
        };
        walk(message.components);
        throw new Error(
          `fake-discord: message ${message.id} has no ${values ? 'select menu' : 'button'} with custom_id ${JSON.stringify(input.customId)} (it has: ${ids.join(', ') || 'no components'})`,
        );
      }
      if (component.disabled === true)
        throw new Error(`fake-discord: component ${JSON.stringify(input.customId)} is disabled`);
    }
    const componentType = typeof component?.type === 'number' ? component.type : values ? 3 : 2;
    const data: JsonObject = { custom_id: input.customId, component_type: componentType };
    if (typeof component?.id === 'number') data.id = component.id;
    if (values) {
      data.values = values;
      const resolved: JsonObject = {};
      for (const value of values) {
        if (componentType === 5 || (componentType === 7 && !guild.roles.has(value)))
          resolveUser(this.#fake.state, guild, channel, value, resolved);
        else if (componentType === 6 || componentType === 7) resolveRole(guild, value, resolved);
        else if (componentType === 8)
          this.#optionValue(guild, channel, 'values', OptionType.Channel, value, resolved, false);
      }
      if (Object.keys(resolved).length > 0) data.resolved = resolved;
    }
    return this.#deliver(
      'component',
      InteractionType.MessageComponent,
      data,
      { guild, channel, member, locale: input.locale },
      { message: messageJson(this.#fake.state, message, this.#fake.botUserId, this.#fake.attachmentBase()) },
      {
        messageId: message.id,
        description: `${values ? 'select' : 'button'} ${JSON.stringify(input.customId)} on message ${message.id}`,
      },
    );
  }

  #deliver(
    kind: InteractionKind,
    type: number,
    data: JsonObject,
    { guild, channel, member, locale }: Where,
    extra: JsonObject,
    meta: { commandName?: string; commandType?: number; messageId?: string; description: string },
  ): InteractionHandle {
    if (this.#fake.stopped) throw new Error('fake-discord is stopped');
    const id = this.#fake.ids.next();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(48).toString('base64url')}`;
    const payload = interactionJson(this.#fake.state, {
      id,
      token,
      applicationId: this.#fake.applicationId,
      botUserId: this.#fake.botUserId,
      type,
      data,
      guild,
      channel,
      member,
      locale,
      extra,
    });
    const handle = new InteractionHandle(id, token, kind, payload, Date.now(), meta.description, {
      view: (messageId) => this.#fake.message(messageId),
      diagnostics: (h) => this.#diagnostics(h),
    });
    const st: InteractionState = {
      handle,
      kind,
      guildId: guild.id,
      channelId: channel.id,
      userId: member.userId,
      ...(meta.commandName !== undefined ? { commandName: meta.commandName } : {}),
      ...(meta.commandType !== undefined ? { commandType: meta.commandType } : {}),
      ...(meta.messageId !== undefined ? { messageId: meta.messageId } : {}),
      dispatches: [],
    };
    this.#fake.interactions.set(id, st);
    this.#fake.interactionsByToken.set(token, st);
    st.dispatches = this.#fake.events.interactionCreated(guild.id, payload);
    return handle;
  }

  #diagnostics(handle: InteractionHandle): string {
    const st = this.#fake.interactions.get(handle.id);
    const parts: string[] = [];
    const sent = st?.dispatches ?? [];
    parts.push(
      sent.length === 0
        ? 'No gateway session covered this guild when it was created, so the bot never received it.'
        : `Dispatched to ${sent.length} session(s), ${sent.filter((d) => d.delivered).length} connected.`,
    );
    if (handle.rejected.length > 0) {
      parts.push(
        `Refused responses: ${handle.rejected.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join('; ')}.`,
      );
    }
    const errors = this.#fake.requests.filter((r) => r.time >= handle.createdAt && (r.status ?? 0) >= 400);
    if (errors.length > 0)
      parts.push(`REST errors since: ${errors.slice(-5).map(describeRequest).join('; ')}.`);
    if (this.#fake.unexpectedRequests.length > 0)
      parts.push(`Unexpected requests: ${this.#fake.unexpectedRequests.map(describeRequest).join('; ')}.`);
    return parts.join(' ');
  }
}

function buildModalComponents(
  shown: JsonObject | undefined,
  fields: Record<string, string>,
  force: boolean,
): JsonObject[] {
  if (!shown) {
    return Object.entries(fields).map(([customId, value]) => ({
      type: 1,
      components: [{ type: 4, custom_id: customId, value }],
    }));
  }
  const remaining = new Set(Object.keys(fields));
  const input = (c: JsonObject): JsonObject => {
    const customId = String(c.custom_id);
    remaining.delete(customId);
    const value = fields[customId] ?? '';
    if (!force) {
      const length = [...value].length;
      if (c.required !== false && value === '')
        throw new Error(`submitModal: field ${JSON.stringify(customId)} is required by the modal`);
      if (value !== '' && typeof c.min_length === 'number' && length < c.min_length) {
        throw new Error(
          `submitModal: field ${JSON.stringify(customId)} is shorter than its min_length ${c.min_length}`,
        );
      }
      if (typeof c.max_length === 'number' && length > c.max_length) {
        throw new Error(
          `submitModal: field ${JSON.stringify(customId)} is longer than its max_length ${c.max_length}`,
        );
      }
    }
    return { type: 4, ...(typeof c.id === 'number' ? { id: c.id } : {}), custom_id: customId, value };
  };
  const components: JsonObject[] = [];
  for (const top of (shown.components as JsonObject[] | undefined) ?? []) {
    if (top.type === 1) {
      components.push({
        type: 1,
        ...(typeof top.id === 'number' ? { id: top.id } : {}),
        components: ((top.components as JsonObject[] | undefined) ?? [])
          .filter((c) => c.type === 4)
          .map(input),
      });
    } else if (top.type === 18 && (top.component as JsonObject | undefined)?.type === 4) {
      components.push({
        type: 18,
        ...(typeof top.id === 'number' ? { id: top.id } : {}),
        component: input(top.component as JsonObject),
      });
    } else if (top.type === 10) {
      components.push({ type: 10, ...(typeof top.id === 'number' ? { id: top.id } : {}) });
    }
  }
  if (remaining.size > 0 && !force) {
    throw new Error(
      `submitModal: the modal has no field(s) ${[...remaining].map((f) => JSON.stringify(f)).join(', ')}`,
    );
  }
  return components;
}
