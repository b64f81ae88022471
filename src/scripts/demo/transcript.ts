import type { BotWorld } from '../../../testkit/bot.ts';
import {
  buttons,
  type InteractionHandle,
  type MessageView,
  type OptionValue,
} from '../../../testkit/fake-discord/index.ts';

/** Prints a readable transcript of a scripted session against the fake Discord. */
export class Transcript {
  readonly lines: string[] = [];
  /** Role names to show for role mentions (`<@&id>` → `@name`). */
  readonly roles = new Map<string, string>();
  constructor(
    readonly world: BotWorld,
    private readonly out: (line: string) => void = (l) => console.log(l),
  ) {}

  /** Names for members an act adds to the guild (the world's own users are named already). */
  readonly extraNames = new Map<string, string>();

  name(userId: string): string {
    const entry = Object.entries(this.world.users).find(([, id]) => id === userId);
    const extra = this.extraNames.get(userId);
    return entry ? `@${entry[0]}` : extra ? `@${extra}` : `<${userId}>`;
  }

  heading(title: string): void {
    this.print('');
    this.print(`── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);
  }

  note(text: string): void {
    this.print(`   (${text})`);
  }

  /** Runs a slash command as `user`, prints it and the bot's settled reply. */
  async command(
    user: string,
    path: string,
    options: Record<string, OptionValue> = {},
    extra: { locale?: string } = {},
  ): Promise<InteractionHandle> {
    const shown = Object.entries(options)
      .map(([k, v]) => `${k}:${this.optionText(String(v))}`)
      .join(' ');
    this.print(
      `» ${this.name(user)}${extra.locale ? ` [${extra.locale}]` : ''}: /${path}${shown ? ' ' + shown : ''}`,
    );
    const handle = this.world.slash(user, path, options, extra);
    const view = await handle.final();
    this.message(view);
    for (const f of handle.followUps) this.message(f);
    return handle;
  }

  /** An option value as a reader would see it: members and roles by name. */
  private optionText(value: string): string {
    if (Object.values(this.world.users).includes(value) || this.extraNames.has(value))
      return this.name(value);
    const role = this.world.fake.state.guild(this.world.guildId)?.roles.get(value);
    return role ? `@${role.name}` : value;
  }

  /** A role's name in the demo guild, for `<@&id>` mentions. */
  roleName(roleId: string): string {
    return this.world.fake.state.guild(this.world.guildId)?.roles.get(roleId)?.name ?? roleId;
  }

  /** `user` presses the button labelled `label` on the message a command answered with. */
  async press(user: string, on: InteractionHandle, label: string): Promise<InteractionHandle> {
    const message = on.original();
    const button = message ? buttons(message).find((b) => b.label === label) : undefined;
    if (!message?.id || !button?.customId) throw new Error(`no [${label}] button to press`);
    this.print(`» ${this.name(user)} presses [${label}]`);
    const handle = this.world.fake.clickButton({
      channelId: this.world.channelId,
      userId: user,
      messageId: message.id,
      customId: button.customId,
    });
    this.message(await handle.final());
    return handle;
  }

  message(view: MessageView): void {
    const who = view.ephemeral ? 'Sparks (only you can see this)' : 'Sparks';
    const body = render(view, (id) => this.name(id))
      .replace(/<@&(\d+)>/g, (_m, id: string) => `@${this.roleName(id)}`)
      .replace(/<t:(\d+):R>/g, (_m, s: string) => relative(Number(s) * 1000 - Date.now()))
      .replace(
        /<t:(\d+):[a-zA-Z]>/g,
        (_m, s: string) => `${new Date(Number(s) * 1000).toISOString().slice(0, 16)} UTC`,
      );
    this.print(`« ${who}:`);
    for (const line of body.split('\n')) this.print(`    ${line}`);
  }

  print(line: string): void {
    this.lines.push(line);
    this.out(line);
  }
}

/** Message content, embeds and buttons as plain text, with user mentions shown by name. */
export function render(
  view: Pick<MessageView, 'content' | 'embeds' | 'components' | 'files'>,
  name: (id: string) => string,
): string {
  const parts: string[] = [];
  if (view.content) parts.push(view.content);
  for (const e of view.embeds as {
    author?: { name?: string };
    title?: string;
    description?: string;
    fields?: unknown;
    footer?: unknown;
  }[]) {
    if (e.author?.name) parts.push(e.author.name);
    if (e.title) parts.push(`[${e.title}]`);
    if (e.description) parts.push(e.description);
    for (const f of (e.fields as { name: string; value: string }[] | undefined) ?? [])
      parts.push(`${f.name}: ${f.value}`);
    const footer = e.footer as { text?: string } | undefined;
    if (footer?.text) parts.push(`— ${footer.text}`);
  }
  const labels: string[] = [];
  for (const row of view.components as { components?: { label?: string; disabled?: boolean }[] }[]) {
    for (const c of row.components ?? [])
      if (c.label) labels.push(`[${c.label}${c.disabled ? ' (disabled)' : ''}]`);
  }
  if (labels.length) parts.push(labels.join(' '));
  for (const f of view.files ?? []) parts.push(`📎 ${f.filename} (${f.size} bytes)`);
  return parts
    .join('\n')
    .replace(/<@!?(\d+)>/g, (_m, id: string) => name(id))
    .replace(/<t:(\d+):\w>/g, (_m, unix: string) =>
      new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace('T', ' '),
    );
}

/** Discord's relative timestamp, roughly: `in 7 days`, `in 3 hours`. */
function relative(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  const [unit, size] = units.find(([, size]) => Math.abs(ms) >= size) ?? ['second', 1000];
  const n = Math.round(Math.abs(ms) / size);
  const amount = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}
