import { MessageFlag, type AttachmentRecord, type JsonObject, type MessageRecord } from './state.ts';
import { Notifier } from './wait.ts';

/** Interaction callback types (what the bot answers to POST /interactions/{id}/{token}/callback). */
export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  ApplicationCommandAutocompleteResult: 8,
  Modal: 9,
} as const;

export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  MessageComponent: 3,
  ApplicationCommandAutocomplete: 4,
  ModalSubmit: 5,
} as const;

export type InteractionKind = 'command' | 'autocomplete' | 'component' | 'modal' | 'context-menu';

/** An uploaded file as a test reads it: what the fake stored, minus an empty description. */
export type AttachmentView = AttachmentRecord;

/** A message as the test sees it: what a user would see, normalized. */
export interface MessageView {
  id: string | null;
  content: string;
  embeds: JsonObject[];
  components: JsonObject[];
  flags: number;
  ephemeral: boolean;
  attachments: AttachmentView[];
  /** Same as `attachments` (the uploaded files, with their bytes). */
  files: AttachmentView[];
  allowedMentions: unknown;
  /** The JSON body the bot sent for this response or edit. */
  raw: JsonObject;
}

export interface AutocompleteChoice {
  name: string;
  value: string | number;
  name_localizations?: Record<string, string>;
}

/** The bot's initial answer to an interaction. */
export interface ResponseView extends MessageView {
  /** Callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal. */
  type: number;
  choices?: AutocompleteChoice[];
  modal?: JsonObject;
}

export function attachmentView(a: AttachmentRecord): AttachmentView {
  return {
    id: a.id,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    ...(a.description ? { description: a.description } : {}),
    data: a.data,
  };
}

export function messageView(message: MessageRecord, raw: JsonObject = {}): MessageView {
  const attachments = message.attachments.map(attachmentView);
  return {
    id: message.id,
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    flags: message.flags,
    ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
    attachments,
    files: attachments,
    allowedMentions: message.allowedMentions,
    raw,
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function embedText(embed: JsonObject): string[] {
  const parts: string[] = [];
  const author = embed.author as JsonObject | undefined;
  const footer = embed.footer as JsonObject | undefined;
  for (const part of [str(author?.name), str(embed.title), str(embed.description)])
    if (part) parts.push(part);
  for (const raw of (embed.fields as unknown[] | undefined) ?? []) {
    const field = raw as JsonObject;
    for (const part of [str(field.name), str(field.value)]) if (part) parts.push(part);
  }
  const footerText = str(footer?.text);
  if (footerText) parts.push(footerText);
  return parts;
}

function componentText(component: JsonObject): string[] {
  const parts: string[] = [];
  if (component.type === 10) {
    const content = str(component.content);
    if (content) parts.push(content);
  }
  for (const child of (component.components as JsonObject[] | undefined) ?? [])
    parts.push(...componentText(child));
  return parts;
}

/**
 * Everything a reader would read in a message: content, then each embed's author, title,
 * description, field names and values and footer, and Components V2 text displays, one per
 * line. For assertions like `expect(text(view)).toContain('150 Sparks')`.
 */
export function text(
  view: Pick<MessageView, 'content' | 'embeds' | 'components'> | undefined | null,
): string {
  if (!view) return '';
  const parts: string[] = [];
  if (view.content) parts.push(view.content);
  for (const embed of view.embeds) parts.push(...embedText(embed));
  for (const component of view.components) parts.push(...componentText(component));
  return parts.join('\n');
}

export interface ButtonView {
  customId: string | null;
  label: string | null;
  style: number;
  disabled: boolean;
  url: string | null;
  emoji: unknown;
}

function walkComponents(components: readonly JsonObject[], visit: (c: JsonObject) => void): void {
  for (const component of components) {
    visit(component);
    walkComponents((component.components as JsonObject[] | undefined) ?? [], visit);
    const accessory = component.accessory as JsonObject | undefined;
    if (accessory) walkComponents([accessory], visit);
  }
}

/** All buttons of a message, in reading order. */
export function buttons(view: Pick<MessageView, 'components'>): ButtonView[] {
  const found: ButtonView[] = [];
  walkComponents(view.components, (c) => {
    if (c.type !== 2) return;
    found.push({
      customId: typeof c.custom_id === 'string' ? c.custom_id : null,
      label: typeof c.label === 'string' ? c.label : null,
      style: typeof c.style === 'number' ? c.style : 1,
      disabled: c.disabled === true,
      url: typeof c.url === 'string' ? c.url : null,
      emoji: c.emoji,
    });
  });
  return found;
}

/** Finds a component by custom id anywhere in a message's component tree. */
export function findComponent(components: readonly JsonObject[], customId: string): JsonObject | undefined {
  let match: JsonObject | undefined;
  walkComponents(components, (c) => {
    if (!match && c.custom_id === customId) match = c;
  });
  return match;
}

export interface HandleContext {
  /** Builds a view of the current state of a stored message. */
  view(messageId: string): MessageView | undefined;
  /** Explains what else happened, for timeout messages (errors the bot got, unexpected routes). */
  diagnostics(handle: InteractionHandle): string;
}

/**
 * What the bot did with one injected interaction: its initial callback, the edits of
 * `@original`, follow-ups, and any rejected attempts. Waiting methods time out with an
 * error that says what was expected and what arrived instead.
 */
export class InteractionHandle {
  /** The accepted initial response, once the bot sent it. */
  initial: ResponseView | undefined;
  /** The message `@original` refers to (the reply, or the clicked message after type 6/7). */
  originalMessageId: string | undefined;
  /** Each accepted PATCH of `@original`, in order. */
  readonly edits: MessageView[] = [];
  /** Each follow-up message (POST /webhooks/{app}/{token}), in order. */
  readonly followUps: MessageView[] = [];
  /** Callback attempts the fake refused (late, duplicate, invalid), with Discord's error body. */
  readonly rejected: { at: number; status: number; body: unknown }[] = [];
  originalDeleted = false;
  readonly changed = new Notifier();

  constructor(
    readonly id: string,
    readonly token: string,
    readonly kind: InteractionKind,
    /** The INTERACTION_CREATE `d` the bot received. */
    readonly payload: JsonObject,
    readonly createdAt: number,
    readonly description: string,
    private readonly context: HandleContext,
  ) {}

  get acknowledged(): boolean {
    return this.initial !== undefined;
  }

  /** Waits for the initial response (callback types 4–9). */
  reply(options: { timeoutMs?: number } = {}): Promise<ResponseView> {
    return this.changed.waitFor(
      () => this.initial,
      options.timeoutMs ?? 5000,
      () =>
        `expected an initial response (callback) to ${this.description}; got none. ${this.context.diagnostics(this)}`,
    );
  }

  /**
   * Waits for the settled visible message: after a deferral (type 5 or 6), the first edit of
   * `@original`; otherwise the initial message. Returns the message's current state.
   */
  async final(options: { timeoutMs?: number } = {}): Promise<MessageView> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const initial = await this.reply({ timeoutMs });
    if (
      initial.type === CallbackType.ApplicationCommandAutocompleteResult ||
      initial.type === CallbackType.Modal
    ) {
      throw new Error(
        `${this.description} was answered with callback type ${initial.type} (${initial.type === 9 ? 'a modal' : 'autocomplete choices'}), which has no message; use reply()`,
      );
    }
    const deferred =
      initial.type === CallbackType.DeferredChannelMessageWithSource ||
      initial.type === CallbackType.DeferredUpdateMessage;
    return this.changed.waitFor(
      () => {
        if (deferred && this.edits.length === 0) return undefined;
        const id = this.originalMessageId;
        return (id ? this.context.view(id) : undefined) ?? this.edits.at(-1) ?? initial;
      },
      timeoutMs,
      () =>
        `expected ${this.description} to settle: callback type ${initial.type} was sent, but no edit of @original followed. ${this.context.diagnostics(this)}`,
    );
  }

  /** Waits for the n-th follow-up (0-based). */
  followUp(index = 0, options: { timeoutMs?: number } = {}): Promise<MessageView> {
    return this.changed.waitFor(
      () => this.followUps[index],
      options.timeoutMs ?? 10_000,
      () =>
        `expected follow-up #${index + 1} to ${this.description}; got ${this.followUps.length}. ${this.context.diagnostics(this)}`,
    );
  }

  /** Waits for an autocomplete answer and returns its choices. */
  async choices(options: { timeoutMs?: number } = {}): Promise<AutocompleteChoice[]> {
    const initial = await this.reply(options);
    if (!initial.choices)
      throw new Error(
        `${this.description} was answered with callback type ${initial.type}, not autocomplete choices`,
      );
    return initial.choices;
  }

  /** Waits for a modal and returns it (`custom_id`, `title`, `components`). */
  async modal(options: { timeoutMs?: number } = {}): Promise<JsonObject> {
    const initial = await this.reply(options);
    if (!initial.modal)
      throw new Error(`${this.description} was answered with callback type ${initial.type}, not a modal`);
    return initial.modal;
  }

  /** Waits until the bot's attempts include a rejected one (e.g. a too-late reply → 10062). */
  nextRejection(
    options: { timeoutMs?: number; since?: number } = {},
  ): Promise<{ status: number; body: unknown }> {
    const since = options.since ?? 0;
    return this.changed.waitFor(
      () => this.rejected[since],
      options.timeoutMs ?? 10_000,
      () => `expected a rejected response to ${this.description}. ${this.context.diagnostics(this)}`,
    );
  }

  /** The current state of `@original`, if there is one. */
  original(): MessageView | undefined {
    return this.originalMessageId ? this.context.view(this.originalMessageId) : undefined;
  }
}
