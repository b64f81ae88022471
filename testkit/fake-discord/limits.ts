import { MessageFlag, type JsonObject } from './state.ts';

/** Discord's documented message and interaction limits, as the fake enforces them. */
export const Limits = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  embedAuthor: 256,
  actionRows: 5,
  rowButtons: 5,
  customId: 100,
  buttonLabel: 80,
  selectOptions: 25,
  selectPlaceholder: 150,
  selectOptionText: 100,
  componentsV2Total: 40,
  attachments: 10,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
  modalTitle: 45,
  modalComponents: 5,
  textInputLabel: 45,
  textInputValue: 4000,
  commandName: 32,
  commandDescription: 100,
  commandOptions: 25,
  commandsPerScope: 100,
} as const;

type PathKey = string | number;

interface FieldError {
  code: string;
  message: string;
}

/** Collects field errors into Discord's nested `{ a: { 0: { _errors: [...] } } }` shape. */
export class FormErrors {
  readonly #root: JsonObject = {};
  #count = 0;

  add(path: readonly PathKey[], code: string, message: string): void {
    let node = this.#root;
    for (const key of path) {
      const k = String(key);
      const next = node[k];
      if (typeof next === 'object' && next !== null) {
        node = next as JsonObject;
      } else {
        const created: JsonObject = {};
        node[k] = created;
        node = created;
      }
    }
    const errors = (node._errors ??= []) as FieldError[];
    errors.push({ code, message });
    this.#count += 1;
  }

  maxLength(path: readonly PathKey[], value: unknown, max: number): void {
    if (typeof value === 'string' && [...value].length > max) {
      this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    }
  }

  between(path: readonly PathKey[], value: unknown, min: number, max: number, required = true): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
      return;
    }
    if (typeof value !== 'string') {
      this.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
      return;
    }
    const length = [...value].length;
    if (length < min || length > max) {
      this.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
    }
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  get errors(): JsonObject {
    return this.#root;
  }
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

function strLen(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

export interface MessageCheckOptions {
  /** Where the message sits in the body: `['data']` for an interaction callback. */
  prefix?: PathKey[];
  /** Editing may send a partial message; creating may not send an empty one. */
  edit?: boolean;
  fileCount?: number;
}

export type MessageCheck = { ok: true } | { ok: false; status: number; body: JsonObject };

/** Validates a message body (create or edit) against Discord's limits. */
export function checkMessage(body: JsonObject, options: MessageCheckOptions = {}): MessageCheck {
  const prefix = options.prefix ?? [];
  const errors = new FormErrors();
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  const v2 = (flags & MessageFlag.IsComponentsV2) !== 0;

  if (body.content !== undefined && body.content !== null && typeof body.content !== 'string') {
    errors.add([...prefix, 'content'], 'BASE_TYPE_STRING', 'Must be a string.');
  }
  errors.maxLength([...prefix, 'content'], body.content, Limits.content);

  const embeds = asArray(body.embeds);
  if (embeds) {
    if (embeds.length > Limits.embeds) {
      errors.add(
        [...prefix, 'embeds'],
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${Limits.embeds} or fewer in length.`,
      );
    }
    let total = 0;
    embeds.forEach((raw, i) => {
      const embed = asObject(raw) ?? {};
      const path = [...prefix, 'embeds', i];
      errors.maxLength([...path, 'title'], embed.title, Limits.embedTitle);
      errors.maxLength([...path, 'description'], embed.description, Limits.embedDescription);
      total += strLen(embed.title) + strLen(embed.description);
      if (embed.color !== undefined && embed.color !== null) {
        if (
          typeof embed.color !== 'number' ||
          !Number.isInteger(embed.color) ||
          embed.color < 0 ||
          embed.color > 0xffffff
        ) {
          errors.add([...path, 'color'], 'NUMBER_TYPE_MAX', 'int value should be <= 16777215 and >= 0.');
        }
      }
      const footer = asObject(embed.footer);
      if (footer) {
        errors.maxLength([...path, 'footer', 'text'], footer.text, Limits.embedFooter);
        total += strLen(footer.text);
      }
      const author = asObject(embed.author);
      if (author) {
        errors.maxLength([...path, 'author', 'name'], author.name, Limits.embedAuthor);
        total += strLen(author.name);
      }
      const fields = asArray(embed.fields) ?? [];
      if (fields.length > Limits.embedFields) {
        errors.add(
          [...path, 'fields'],
          'BASE_TYPE_MAX_LENGTH',
          `Must be ${Limits.embedFields} or fewer in length.`,
        );
      }
      fields.forEach((rawField, j) => {
        const field = asObject(rawField) ?? {};
        errors.between([...path, 'fields', j, 'name'], field.name, 1, Limits.embedFieldName);
        errors.between([...path, 'fields', j, 'value'], field.value, 1, Limits.embedFieldValue);
        total += strLen(field.name) + strLen(field.value);
      });
    });
    if (total > Limits.embedTotal) {
      errors.add(
        [...prefix, 'embeds'],
        'MAX_EMBED_SIZE_EXCEEDED',
        `Embed size exceeds maximum size of ${Limits.embedTotal}`,
      );
    }
  }

  const components = asArray(body.components);
  if (components) checkComponents(errors, [...prefix, 'components'], components, v2);
  if (v2 && ((typeof body.content === 'string' && body.content !== '') || (embeds && embeds.length > 0))) {
    errors.add(
      [...prefix, 'content'],
      'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
      "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
    );
  }

  const attachments = asArray(body.attachments);
  if ((attachments?.length ?? 0) > Limits.attachments || (options.fileCount ?? 0) > Limits.attachments) {
    errors.add(
      [...prefix, 'attachments'],
      'BASE_TYPE_MAX_LENGTH',
      `Must be ${Limits.attachments} or fewer in length.`,
    );
  }

  const allowed = asObject(body.allowed_mentions);
  if (allowed) {
    const parse = asArray(allowed.parse) ?? [];
    for (const [i, p] of parse.entries()) {
      if (p !== 'roles' && p !== 'users' && p !== 'everyone') {
        errors.add(
          [...prefix, 'allowed_mentions', 'parse', i],
          'BASE_TYPE_CHOICES',
          "Value must be one of {'roles', 'users', 'everyone'}.",
        );
      }
    }
    if (parse.includes('users') && asArray(allowed.users)?.length) {
      errors.add(
        [...prefix, 'allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        'parse:["users"] and users: [ids...] are mutually exclusive.',
      );
    }
    if (parse.includes('roles') && asArray(allowed.roles)?.length) {
      errors.add(
        [...prefix, 'allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        'parse:["roles"] and roles: [ids...] are mutually exclusive.',
      );
    }
  }

  if (!errors.empty) return { ok: false, status: 400, body: invalidFormBody(errors) };

  if (!options.edit) {
    const hasContent = typeof body.content === 'string' && body.content.length > 0;
    const hasEmbeds = (embeds?.length ?? 0) > 0;
    const hasComponents = (components?.length ?? 0) > 0;
    const hasFiles = (options.fileCount ?? 0) > 0;
    const hasOther = (asArray(body.sticker_ids)?.length ?? 0) > 0 || asObject(body.poll) !== undefined;
    if (!hasContent && !hasEmbeds && !hasComponents && !hasFiles && !hasOther) {
      return { ok: false, status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    }
  }
  return { ok: true };
}

function checkComponents(errors: FormErrors, path: PathKey[], components: unknown[], v2: boolean): void {
  const seen = new Set<string>();
  const customId = (p: PathKey[], c: JsonObject, required: boolean): void => {
    if (c.custom_id === undefined) {
      if (required) errors.add([...p, 'custom_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      return;
    }
    errors.between([...p, 'custom_id'], c.custom_id, 1, Limits.customId);
    if (typeof c.custom_id === 'string') {
      if (seen.has(c.custom_id)) {
        errors.add(
          [...p, 'custom_id'],
          'COMPONENT_CUSTOM_ID_DUPLICATED',
          'Component custom id cannot be duplicated',
        );
      }
      seen.add(c.custom_id);
    }
  };
  const leaf = (p: PathKey[], c: JsonObject): void => {
    switch (c.type) {
      case 2: {
        const style = c.style;
        if (style === 5) {
          if (typeof c.url !== 'string')
            errors.add([...p, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
        } else if (style !== 6) {
          customId(p, c, true);
        }
        errors.maxLength([...p, 'label'], c.label, Limits.buttonLabel);
        break;
      }
      case 3:
      case 5:
      case 6:
      case 7:
      case 8: {
        customId(p, c, true);
        errors.maxLength([...p, 'placeholder'], c.placeholder, Limits.selectPlaceholder);
        if (c.type === 3) {
          const options = asArray(c.options) ?? [];
          if (options.length < 1 || options.length > Limits.selectOptions) {
            errors.add(
              [...p, 'options'],
              'BASE_TYPE_BAD_LENGTH',
              `Must be between 1 and ${Limits.selectOptions} in length.`,
            );
          }
          options.forEach((raw, k) => {
            const o = asObject(raw) ?? {};
            errors.between([...p, 'options', k, 'label'], o.label, 1, Limits.selectOptionText);
            errors.between([...p, 'options', k, 'value'], o.value, 1, Limits.selectOptionText);
            errors.maxLength([...p, 'options', k, 'description'], o.description, Limits.selectOptionText);
          });
        }
        break;
      }
      default:
        break;
    }
  };
  let total = 0;
  const walk = (p: PathKey[], c: JsonObject): void => {
    total += 1;
    const children = asArray(c.components);
    if (children) children.forEach((child, k) => walk([...p, 'components', k], asObject(child) ?? {}));
    const accessory = asObject(c.accessory);
    if (accessory) walk([...p, 'accessory'], accessory);
    leaf(p, c);
  };

  if (!v2) {
    if (components.length > Limits.actionRows) {
      errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.actionRows} or fewer in length.`);
    }
    components.forEach((raw, i) => {
      const row = asObject(raw) ?? {};
      if (row.type !== 1) {
        errors.add([...path, i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
        return;
      }
      const children = asArray(row.components) ?? [];
      const selects = children.filter((c) => [3, 5, 6, 7, 8].includes(Number(asObject(c)?.type)));
      if (children.length < 1 || children.length > Limits.rowButtons) {
        errors.add(
          [...path, i, 'components'],
          'BASE_TYPE_BAD_LENGTH',
          `Must be between 1 and ${Limits.rowButtons} in length.`,
        );
      } else if (selects.length > 0 && children.length > 1) {
        errors.add(
          [...path, i, 'components'],
          'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
          'The specified component exceeds the maximum width',
        );
      }
      children.forEach((child, k) => leaf([...path, i, 'components', k], asObject(child) ?? {}));
    });
    return;
  }
  components.forEach((raw, i) => walk([...path, i], asObject(raw) ?? {}));
  if (total > Limits.componentsV2Total) {
    errors.add(
      path,
      'BASE_TYPE_MAX_LENGTH',
      `Must be ${Limits.componentsV2Total} or fewer in total components.`,
    );
  }
}

export function invalidFormBody(errors: FormErrors): JsonObject {
  return { message: 'Invalid Form Body', code: 50035, errors: errors.errors };
}

/** Validates an autocomplete result (callback type 8). */
export function checkAutocomplete(data: JsonObject): MessageCheck {
  const errors = new FormErrors();
  const choices = asArray(data.choices);
  if (!choices) {
    errors.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
  } else {
    if (choices.length > Limits.autocompleteChoices) {
      errors.add(
        ['data', 'choices'],
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${Limits.autocompleteChoices} or fewer in length.`,
      );
    }
    choices.forEach((raw, i) => {
      const choice = asObject(raw) ?? {};
      errors.between(['data', 'choices', i, 'name'], choice.name, 1, Limits.choiceName);
      if (typeof choice.value === 'string') {
        errors.between(['data', 'choices', i, 'value'], choice.value, 1, Limits.choiceValue);
      } else if (typeof choice.value !== 'number' || !Number.isFinite(choice.value)) {
        errors.add(['data', 'choices', i, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
      }
    });
  }
  return errors.empty ? { ok: true } : { ok: false, status: 400, body: invalidFormBody(errors) };
}

/** Validates a modal (callback type 9): legacy action rows of text inputs or label components. */
export function checkModal(data: JsonObject): MessageCheck {
  const errors = new FormErrors();
  errors.between(['data', 'custom_id'], data.custom_id, 1, Limits.customId);
  errors.between(['data', 'title'], data.title, 1, Limits.modalTitle);
  const components = asArray(data.components) ?? [];
  if (components.length < 1 || components.length > Limits.modalComponents) {
    errors.add(
      ['data', 'components'],
      'BASE_TYPE_BAD_LENGTH',
      `Must be between 1 and ${Limits.modalComponents} in length.`,
    );
  }
  components.forEach((raw, i) => {
    const top = asObject(raw) ?? {};
    const inputs: [PathKey[], JsonObject][] = [];
    if (top.type === 1) {
      (asArray(top.components) ?? []).forEach((c, k) =>
        inputs.push([['data', 'components', i, 'components', k], asObject(c) ?? {}]),
      );
    } else if (top.type === 18) {
      errors.between(['data', 'components', i, 'label'], top.label, 1, Limits.textInputLabel);
      const inner = asObject(top.component);
      if (inner) inputs.push([['data', 'components', i, 'component'], inner]);
    }
    for (const [p, input] of inputs) {
      if (input.type !== 4) continue;
      errors.between([...p, 'custom_id'], input.custom_id, 1, Limits.customId);
      if (top.type === 1) errors.between([...p, 'label'], input.label, 1, Limits.textInputLabel);
      errors.maxLength([...p, 'value'], input.value, Limits.textInputValue);
      errors.maxLength([...p, 'placeholder'], input.placeholder, 100);
    }
  });
  return errors.empty ? { ok: true } : { ok: false, status: 400, body: invalidFormBody(errors) };
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Validates application command definitions as a bulk overwrite (PUT) receives them. */
export function checkCommands(commands: unknown[]): MessageCheck {
  const errors = new FormErrors();
  if (commands.length > Limits.commandsPerScope) {
    errors.add([], 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.commandsPerScope} or fewer in length.`);
  }
  const names = new Set<string>();
  commands.forEach((raw, i) => {
    const command = asObject(raw) ?? {};
    const type = typeof command.type === 'number' ? command.type : 1;
    const name = command.name;
    if (
      typeof name !== 'string' ||
      (type === 1 && (!COMMAND_NAME.test(name) || name !== name.toLowerCase()))
    ) {
      errors.add([i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else {
      const key = `${type}:${name}`;
      if (names.has(key))
        errors.add(
          [i, 'name'],
          'APPLICATION_COMMANDS_DUPLICATE_NAME',
          'Application command names must be unique',
        );
      names.add(key);
    }
    if (type === 1) errors.between([i, 'description'], command.description, 1, Limits.commandDescription);
    checkLocalizations(errors, [i, 'name_localizations'], command.name_localizations, type === 1);
    checkLocalizations(
      errors,
      [i, 'description_localizations'],
      command.description_localizations,
      false,
      Limits.commandDescription,
    );
    checkCommandOptions(errors, [i, 'options'], asArray(command.options) ?? []);
  });
  return errors.empty ? { ok: true } : { ok: false, status: 400, body: invalidFormBody(errors) };
}

function checkLocalizations(
  errors: FormErrors,
  path: PathKey[],
  value: unknown,
  isName: boolean,
  max: number = Limits.commandName,
): void {
  const map = asObject(value);
  if (!map) return;
  for (const [locale, text] of Object.entries(map)) {
    if (typeof text !== 'string') continue;
    if (isName && (!COMMAND_NAME.test(text) || text !== text.toLowerCase())) {
      errors.add([...path, locale], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else {
      errors.between([...path, locale], text, 1, max);
    }
  }
}

function checkCommandOptions(errors: FormErrors, path: PathKey[], options: unknown[]): void {
  if (options.length > Limits.commandOptions) {
    errors.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${Limits.commandOptions} or fewer in length.`);
  }
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((raw, i) => {
    const option = asObject(raw) ?? {};
    const name = option.name;
    if (typeof name !== 'string' || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
      errors.add([...path, i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (names.has(name)) {
      errors.add(
        [...path, i, 'name'],
        'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS',
        'Option names must be unique',
      );
    } else {
      names.add(name);
    }
    errors.between([...path, i, 'description'], option.description, 1, Limits.commandDescription);
    checkLocalizations(errors, [...path, i, 'name_localizations'], option.name_localizations, true);
    checkLocalizations(
      errors,
      [...path, i, 'description_localizations'],
      option.description_localizations,
      false,
      Limits.commandDescription,
    );
    const isSub = option.type === 1 || option.type === 2;
    if (!isSub) {
      if (option.required === true && sawOptional) {
        errors.add(
          [...path, i, 'required'],
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
      }
      if (option.required !== true) sawOptional = true;
    }
    const choices = asArray(option.choices);
    if (choices && choices.length > Limits.autocompleteChoices) {
      errors.add(
        [...path, i, 'choices'],
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${Limits.autocompleteChoices} or fewer in length.`,
      );
    }
    if (choices && option.autocomplete === true && choices.length > 0) {
      errors.add(
        [...path, i, 'autocomplete'],
        'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES',
        'Autocomplete cannot be set with choices',
      );
    }
    if (isSub) checkCommandOptions(errors, [...path, i, 'options'], asArray(option.options) ?? []);
  });
}
