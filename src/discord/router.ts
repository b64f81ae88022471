import {
  ApplicationCommandOptionType,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type MessageContextMenuCommandInteraction,
} from 'discord.js';
import { SparksError } from '../core/errors.ts';
import type { Services } from '../services.ts';
import { replyWithError, type Outcome } from './errors.ts';
import { localeOf, translator } from './i18n/index.ts';
import { isModerator } from './permissions.ts';
import type { Provisions } from './plugins/plugin.ts';
import { respond } from './reply.ts';
import type {
  ComponentHandler,
  ComponentInteraction,
  Ctx,
  MessageMenuCommand,
  RootCommand,
  Subcommand,
} from './types.ts';

export interface RouterDeps {
  services: Services;
  /** What plugins provide, handed to every handler as `ctx.provided`. */
  provided: Provisions;
  commands: RootCommand[];
  components: ComponentHandler[];
  messageMenus?: MessageMenuCommand[];
}

export interface HandledEvent {
  interactionId: string;
  kind: 'command' | 'autocomplete' | 'component' | 'other';
  name: string;
  outcome: Outcome;
  ms: number;
}

/**
 * The one interactionCreate handler: routes slash commands (by command, group and
 * subcommand), autocomplete, and components (by custom-id prefix); enforces the
 * moderator check; sends every failure through the one error path; logs one line per
 * interaction; and tracks in-flight work so shutdown can wait for it.
 */
export class Router {
  private readonly subcommands = new Map<string, Subcommand>();
  private readonly components = new Map<string, ComponentHandler>();
  private readonly messageMenus = new Map<string, MessageMenuCommand>();
  private readonly inFlight = new Set<Promise<void>>();
  private accepting = true;
  private readonly observers: ((e: HandledEvent) => void)[] = [];
  /** Interaction ids seen recently: the gateway delivers at least once, so drop repeats. */
  private readonly seen = new Set<string>();
  private static readonly SEEN_LIMIT = 10_000;

  private readonly services: Services;
  private readonly provided: Provisions;

  constructor({ services, provided, commands, components, messageMenus = [] }: RouterDeps) {
    this.services = services;
    this.provided = provided;
    for (const menu of messageMenus) this.messageMenus.set(menu.name, menu);
    for (const command of commands) {
      for (const sub of command.subcommands) {
        this.subcommands.set(routeKey(command.name, sub.group ?? null, sub.name), sub);
      }
    }
    for (const c of components) {
      if (this.components.has(c.prefix)) throw new Error(`two component handlers claim prefix ${c.prefix}`);
      this.components.set(c.prefix, c);
    }
  }

  /** Called after each interaction with what happened (metrics plug in here). */
  observe(fn: (e: HandledEvent) => void): void {
    this.observers.push(fn);
  }

  handle(interaction: Interaction): Promise<void> {
    if (this.seen.has(interaction.id)) {
      this.services.logger.debug({ interactionId: interaction.id }, 'duplicate interaction delivery ignored');
      return Promise.resolve();
    }
    this.seen.add(interaction.id);
    if (this.seen.size > Router.SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    const work = this.dispatch(interaction);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /**
   * Stops accepting new interactions (they get a "restarting" note) and waits for the rest,
   * at most `timeoutMs`. Resolves true when nothing is left running.
   */
  async drain(timeoutMs = Infinity): Promise<boolean> {
    this.accepting = false;
    const done = Promise.allSettled([...this.inFlight]).then(() => true);
    if (!Number.isFinite(timeoutMs)) return done;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Interactions being handled right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private async dispatch(interaction: Interaction): Promise<void> {
    const started = performance.now();
    const locale = localeOf(interaction.locale);
    const log = this.services.logger.child({ interactionId: interaction.id });
    let kind: HandledEvent['kind'] = 'other';
    let name = '';
    let outcome: Outcome = 'ok';
    try {
      if (!this.accepting) {
        if (interaction.isRepliable())
          await respond(interaction, { content: translator(locale)('error.shutting_down'), ephemeral: true });
        return;
      }
      if (!interaction.inGuild()) {
        if (interaction.isRepliable())
          await respond(interaction, { content: translator(locale)('error.guild_only'), ephemeral: true });
        return;
      }
      const ctx = <I>(i: I): Ctx<I> => ({
        interaction: i,
        services: this.services,
        provided: this.provided,
        locale,
        t: translator(locale),
        log,
        guildId: interaction.guildId,
        userId: interaction.user.id,
      });
      if (interaction.isChatInputCommand() || interaction.isAutocomplete()) {
        kind = interaction.isAutocomplete() ? 'autocomplete' : 'command';
        const key = routeKey(
          interaction.commandName,
          interaction.options.getSubcommandGroup(false),
          interaction.options.getSubcommand(false),
        );
        name = key;
        const sub = this.subcommands.get(key);
        if (!sub) throw new SparksError('SPARKS.UNKNOWN_COMMAND', {}, key);
        if (sub.moderatorOnly && !isModerator(interaction, this.services.settings.get(interaction.guildId))) {
          throw new SparksError('SPARKS.FORBIDDEN');
        }
        if (interaction.isAutocomplete()) {
          await (sub.autocomplete?.(ctx<AutocompleteInteraction>(interaction)) ?? interaction.respond([]));
        } else {
          refuseEmptyOptions(interaction.options.data);
          await sub.execute(ctx<ChatInputCommandInteraction>(interaction));
        }
        return;
      }
      if (interaction.isMessageContextMenuCommand()) {
        kind = 'command';
        name = interaction.commandName;
        const menu = this.messageMenus.get(name);
        if (!menu) throw new SparksError('SPARKS.UNKNOWN_COMMAND', {}, name);
        if (
          menu.moderatorOnly &&
          !isModerator(interaction, this.services.settings.get(interaction.guildId))
        ) {
          throw new SparksError('SPARKS.FORBIDDEN');
        }
        await menu.execute(ctx<MessageContextMenuCommandInteraction>(interaction));
        return;
      }
      if (interaction.isButton() || interaction.isStringSelectMenu() || interaction.isModalSubmit()) {
        kind = 'component';
        const [prefix = '', ...args] = interaction.customId.split(':');
        name = prefix;
        const handler = this.components.get(prefix);
        if (!handler) throw new SparksError('SPARKS.STALE_COMPONENT', {}, interaction.customId);
        await handler.execute(ctx<ComponentInteraction>(interaction), args);
      }
    } catch (error) {
      outcome = await replyWithError(interaction, error, locale, log);
    } finally {
      const ms = Math.round((performance.now() - started) * 100) / 100;
      log.info(
        { kind, command: name, outcome, ms, userId: interaction.user.id, guildId: interaction.guildId },
        'interaction',
      );
      const event: HandledEvent = { interactionId: interaction.id, kind, name, outcome, ms };
      for (const o of this.observers) o(event);
    }
  }
}

function routeKey(command: string, group: string | null, sub: string | null): string {
  return [command, group, sub].filter(Boolean).join(' ');
}

/**
 * An option that arrives with no value (a client that ignores the command's definition:
 * a number that was not a number becomes JSON null) is the sender's mistake, refused like
 * any bad value. Read as "not given", it would let the rest of the command go through.
 * Errors: SPARKS.INVALID_INPUT naming the option.
 */
function refuseEmptyOptions(options: readonly CommandInteractionOption[]): void {
  for (const o of options) {
    if (o.options) refuseEmptyOptions(o.options);
    else if (
      o.type !== ApplicationCommandOptionType.Subcommand &&
      o.type !== ApplicationCommandOptionType.SubcommandGroup &&
      (o.value === null || o.value === undefined)
    )
      throw new SparksError('SPARKS.INVALID_INPUT', { field: o.name }, `option ${o.name} has no value`);
  }
}
