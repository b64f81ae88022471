import { setTimeout as delay } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Partials,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ClientOptions,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
} from 'discord.js';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CloseCode,
  FakeDiscord,
  Permissions,
  buttons,
  compareSnowflakes,
  expectNoUnexpectedRequests,
  text,
  type GuildRecord,
  type RoleRecord,
} from '../../testkit/fake-discord/index.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function clientFor(fake: FakeDiscord, extra: Partial<ClientOptions> = {}): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.GuildMembers,
    ],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    rest: { api: fake.apiBase },
    ...extra,
  });
}

async function login(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
}

/** Resolves with the next emission of a client event that passes `filter`. */
function nextEvent<A extends unknown[]>(
  client: Client,
  event: string,
  filter: (...args: A) => boolean = () => true,
  timeoutMs = 5000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      if (!filter(...(args as A))) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args as A);
    };
    client.on(event, listener);
  });
}

async function apiErrorOf(promise: Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiscordAPIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail with a DiscordAPIError');
}

describe('fake-discord with a real discord.js client', () => {
  let fake: FakeDiscord;
  let client: Client;
  let guild: GuildRecord;
  let channelId: string;
  let aliceId: string;
  let bobId: string;
  let tierRole: RoleRecord;
  let adminRole: RoleRecord;
  let oldMessageId: string;
  const reactorIds: string[] = [];
  /** The interaction handler of the test that is running. */
  let onInteraction: (interaction: Interaction) => Promise<void> = () => Promise.resolve();
  const handlerErrors: unknown[] = [];

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    guild = fake.createGuild({ name: 'Sparks Test' });
    channelId = fake.createChannel(guild.id, { name: 'general' }).id;
    aliceId = fake.addMember(guild.id, { username: 'alice', globalName: 'Alice' }).userId;
    bobId = fake.addMember(guild.id, { username: 'bob', locale: 'ko' }).userId;
    tierRole = fake.createRole(guild.id, { name: 'Gold', position: 5 });
    adminRole = fake.createRole(guild.id, {
      name: 'Admins',
      position: fake.botRole(guild.id).position + 1,
      permissions: Permissions.Administrator,
    });
    // 150 members reacted to a three-day-old message while the bot was away.
    oldMessageId = fake.postMessage(channelId, {
      authorId: aliceId,
      content: 'React with 🔥 to earn Sparks',
      createdAt: new Date(Date.now() - 3 * 86_400_000),
      silent: true,
    });
    for (let i = 0; i < 150; i += 1) {
      const id = fake.addMember(guild.id, { username: `reactor${i}` }).userId;
      reactorIds.push(id);
      fake.addReaction({ channelId, messageId: oldMessageId, userId: id, emoji: '🔥', silent: true });
    }

    client = clientFor(fake);
    client.on(Events.InteractionCreate, (interaction) => {
      onInteraction(interaction).catch((error: unknown) => handlerErrors.push(error));
    });
    await login(client, fake.token);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  afterEach(() => {
    onInteraction = () => Promise.resolve();
    fake.clearFaults();
    expectNoUnexpectedRequests(fake);
  });

  it('logs in: READY and GUILD_CREATE fill the cache with the guild, roles, channels and members', () => {
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    const cached = client.guilds.cache.get(guild.id);
    expect(cached?.name).toBe('Sparks Test');
    expect(cached?.roles.cache.map((r) => r.name).sort()).toEqual(['@everyone', 'Admins', 'Gold', 'Sparks']);
    expect(cached?.roles.botRoleFor(fake.botUserId)?.id).toBe(guild.botRoleId);
    expect(cached?.channels.cache.get(channelId)?.name).toBe('general');
    expect(cached?.members.cache.get(aliceId)?.user.globalName).toBe('Alice');
    expect(cached?.members.me?.permissions.has('ManageRoles')).toBe(true);
    expect(cached?.memberCount).toBe(guild.members.size);
  });

  it('answers a member list request over the gateway (op 8) and over REST', async () => {
    const cached = client.guilds.cache.get(guild.id)!;
    const viaGateway = await cached.members.fetch();
    expect(viaGateway.size).toBe(guild.members.size);
    const viaRest = await cached.members.list({ limit: 1000 });
    expect([...viaRest.keys()]).toEqual([...guild.members.keys()].sort(compareSnowflakes));
    const page = await cached.members.list({ limit: 2, after: viaRest.firstKey()! });
    expect([...page.keys()]).toEqual([...viaRest.keys()].slice(1, 3));
  });

  it('dispatches GUILD_MEMBER_ADD, GUILD_ROLE_CREATE and GUILD_MEMBER_REMOVE for changes made while connected', async () => {
    const added = nextEvent<[{ id: string }]>(client, Events.GuildMemberAdd);
    const carol = fake.addMember(guild.id, { username: 'carol' });
    expect((await added)[0].id).toBe(carol.userId);

    const created = nextEvent<[{ name: string }]>(client, Events.GuildRoleCreate);
    fake.createRole(guild.id, { name: 'Bronze', position: 2 });
    expect((await created)[0].name).toBe('Bronze');

    const removed = nextEvent<[{ id: string }]>(client, Events.GuildMemberRemove);
    fake.removeMember(guild.id, carol.userId);
    expect((await removed)[0].id).toBe(carol.userId);
    expect(client.guilds.cache.get(guild.id)?.members.cache.has(carol.userId)).toBe(false);
  });

  it('stores commands registered over REST and delivers /sparks with typed options and resolved members', async () => {
    await client.application!.commands.set(
      [
        {
          name: 'sparks',
          description: 'Sparks',
          options: [
            {
              type: ApplicationCommandOptionType.Subcommand,
              name: 'award',
              description: 'Award Sparks',
              options: [
                {
                  type: ApplicationCommandOptionType.User,
                  name: 'member',
                  description: 'who',
                  required: true,
                },
                {
                  type: ApplicationCommandOptionType.Integer,
                  name: 'amount',
                  description: 'how many',
                  required: true,
                },
                {
                  type: ApplicationCommandOptionType.String,
                  name: 'reason',
                  description: 'why',
                  required: true,
                },
              ],
            },
            {
              type: ApplicationCommandOptionType.Subcommand,
              name: 'redeem',
              description: 'Redeem',
              options: [
                {
                  type: ApplicationCommandOptionType.String,
                  name: 'reward',
                  description: 'reward',
                  required: true,
                  autocomplete: true,
                },
              ],
            },
          ],
        },
        { type: ApplicationCommandType.Message, name: 'Award Sparks' },
      ],
      guild.id,
    );
    expect(fake.registeredCommands(guild.id).map((c) => c.name)).toEqual(['sparks', 'Award Sparks']);

    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const member = interaction.options.getMember('member');
      const user = interaction.options.getUser('member', true);
      const amount = interaction.options.getInteger('amount', true);
      const reason = interaction.options.getString('reason', true);
      await interaction.reply({
        content: `${interaction.options.getSubcommand()}: ${amount} to ${user.username} (${reason}) member=${member ? 'yes' : 'no'} locale=${interaction.locale}`,
        flags: MessageFlags.Ephemeral,
        allowedMentions: { parse: [] },
      });
    };
    const handle = fake.slash({
      guildId: guild.id,
      channelId,
      userId: bobId,
      command: 'sparks',
      subcommand: 'award',
      options: { member: aliceId, amount: 25, reason: 'great post' },
    });
    const reply = await handle.reply();
    expect(reply.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('award: 25 to alice (great post) member=yes locale=ko');
    expect(reply.allowedMentions).toEqual({ parse: [] });
    const option = (handle.payload.data as { options: { options: { name: string; type: number }[] }[] })
      .options[0]!;
    expect(option.options.map((o) => [o.name, o.type])).toEqual([
      ['member', 6],
      ['amount', 4],
      ['reason', 3],
    ]);
    // Ephemeral replies are not part of the channel's visible history.
    expect(fake.channelMessages(channelId).some((m) => m.id === reply.id)).toBe(false);
  });

  it('still delivers a command the bot never registered, with string options', async () => {
    let responseMessageId: string | undefined;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.reply({
        content: `unknown command ${interaction.commandName} ${interaction.options.getString('x')}`,
        withResponse: true,
      });
      responseMessageId = response.resource?.message?.id;
    };
    const reply = await fake
      .slash({ guildId: guild.id, channelId, userId: aliceId, command: 'ghost', options: { x: 5 } })
      .reply();
    expect(reply.content).toBe('unknown command ghost 5');
    expect(reply.ephemeral).toBe(false);
    await expect.poll(() => responseMessageId).toBe(reply.id);
    expect(fake.channelMessages(channelId).at(-1)?.content).toBe('unknown command ghost 5');
  });

  it('captures deferReply + editReply + followUp, including a multipart PNG attachment', async () => {
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply({
        content: 'Your balance',
        embeds: [
          {
            title: 'Sparks',
            description: '150 Sparks',
            fields: [{ name: 'Rank', value: '#2' }],
            footer: { text: 'lifetime 300' },
          },
        ],
      });
      await interaction.followUp({
        content: 'Chart',
        files: [{ attachment: PNG, name: 'chart.png' }],
        flags: MessageFlags.Ephemeral,
      });
    };
    const handle = fake.slash({
      guildId: guild.id,
      channelId,
      userId: aliceId,
      command: 'sparks',
      subcommand: 'redeem',
      options: { reward: 'x' },
    });
    const initial = await handle.reply();
    expect(initial.type).toBe(5);
    expect(initial.ephemeral).toBe(true);
    const final = await handle.final();
    expect(final.ephemeral).toBe(true);
    expect(text(final)).toBe('Your balance\nSparks\n150 Sparks\nRank\n#2\nlifetime 300');
    const followUp = await handle.followUp(0);
    expect(followUp.attachments).toHaveLength(1);
    expect(followUp.files[0]!.filename).toBe('chart.png');
    expect(followUp.files[0]!.data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(handle.followUps).toHaveLength(1);
  });

  it('rejects a second acknowledgement with 40060 and a reply after 3 s with 10062', async () => {
    const codes: number[] = [];
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      if (interaction.commandName === 'twice') {
        await interaction.reply('first');
        // Bypass discord.js's local "already replied" guard to reach the API.
        const again = client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
          body: { type: 4, data: { content: 'second' } },
          auth: false,
        });
        codes.push(Number((await apiErrorOf(again)).code));
        return;
      }
      await delay(3100);
      codes.push(Number((await apiErrorOf(interaction.reply('too late'))).code));
    };
    const twice = fake.slash({ guildId: guild.id, channelId, userId: aliceId, command: 'twice' });
    expect((await twice.reply()).content).toBe('first');
    expect(await twice.nextRejection()).toMatchObject({ status: 400, body: { code: 40060 } });

    const late = fake.slash({ guildId: guild.id, channelId, userId: aliceId, command: 'slow' });
    expect(await late.nextRejection({ timeoutMs: 6000 })).toMatchObject({
      status: 404,
      body: { code: 10062 },
    });
    await expect(late.reply({ timeoutMs: 50 })).rejects.toThrow(
      /expected an initial response.*Unknown interaction/s,
    );
    await expect.poll(() => codes).toEqual([40060, 10062]);
  });

  it('round-trips a button click (update) and a modal shown from a button', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) {
        await interaction.reply({
          content: 'Redeem "Gold role" for 100 Sparks?',
          components: [
            new ActionRowBuilder<ButtonBuilder>().addComponents(
              new ButtonBuilder()
                .setCustomId('redeem:confirm')
                .setLabel('Confirm')
                .setStyle(ButtonStyle.Success),
              new ButtonBuilder()
                .setCustomId('redeem:wallet')
                .setLabel('Enter wallet')
                .setStyle(ButtonStyle.Secondary),
            ),
            new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
              new StringSelectMenuBuilder()
                .setCustomId('redeem:pick')
                .addOptions({ label: 'Gold', value: 'gold' }, { label: 'Silver', value: 'silver' }),
            ),
          ],
        });
      } else if (interaction.isStringSelectMenu()) {
        await interaction.update({ content: `picked ${interaction.values.join(',')}` });
      } else if (interaction.isButton() && interaction.customId === 'redeem:confirm') {
        await interaction.update({ content: `Redeemed by ${interaction.user.username}`, components: [] });
      } else if (interaction.isButton()) {
        await interaction.showModal(
          new ModalBuilder()
            .setCustomId('wallet-modal')
            .setTitle('Wallet')
            .addComponents(
              new ActionRowBuilder<TextInputBuilder>().addComponents(
                new TextInputBuilder()
                  .setCustomId('wallet')
                  .setLabel('Address')
                  .setStyle(TextInputStyle.Short)
                  .setMaxLength(42),
              ),
            ),
        );
      } else if (interaction.isModalSubmit()) {
        await interaction.reply({
          content: `wallet=${interaction.fields.getTextInputValue('wallet')}`,
          flags: MessageFlags.Ephemeral,
        });
      }
    };
    const prompt = await fake
      .slash({ guildId: guild.id, channelId, userId: aliceId, command: 'shop' })
      .reply();
    expect(buttons(prompt).map((b) => b.label)).toEqual(['Confirm', 'Enter wallet']);

    const wallet = fake.clickButton({
      guildId: guild.id,
      channelId,
      userId: aliceId,
      messageId: prompt.id!,
      customId: 'redeem:wallet',
    });
    const modal = await wallet.modal();
    expect(modal.title).toBe('Wallet');
    expect(() =>
      fake.submitModal({
        channelId,
        userId: aliceId,
        customId: 'wallet-modal',
        fields: { wallet: 'x'.repeat(43) },
      }),
    ).toThrow(/max_length/);
    const submitted = await fake
      .submitModal({
        guildId: guild.id,
        channelId,
        userId: aliceId,
        customId: 'wallet-modal',
        fields: { wallet: '0xabc' },
      })
      .reply();
    expect(submitted.content).toBe('wallet=0xabc');

    const picked = await fake
      .selectMenu({
        channelId,
        userId: aliceId,
        messageId: prompt.id!,
        customId: 'redeem:pick',
        values: ['silver'],
      })
      .final();
    expect(picked.content).toBe('picked silver');
    expect(buttons(picked)).toHaveLength(2);

    const click = fake.clickButton({
      guildId: guild.id,
      channelId,
      userId: aliceId,
      messageId: prompt.id!,
      customId: 'redeem:confirm',
    });
    const updated = await click.final();
    expect((await click.reply()).type).toBe(7);
    expect(updated.content).toBe('Redeemed by alice');
    expect(fake.message(prompt.id!)?.components).toEqual([]);
    expect(() =>
      fake.clickButton({ channelId, userId: aliceId, messageId: prompt.id!, customId: 'redeem:confirm' }),
    ).toThrow(/no button/);
  });

  it("answers autocomplete with the bot's choices and enforces the 25-choice limit", async () => {
    onInteraction = async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      const count = typed === 'many' ? 26 : 2;
      await interaction
        .respond(Array.from({ length: count }, (_, i) => ({ name: `${typed} reward ${i}`, value: `r${i}` })))
        .catch(() => undefined);
    };
    const typing = (reward: string) =>
      fake.autocomplete({
        guildId: guild.id,
        channelId,
        userId: aliceId,
        command: 'sparks',
        subcommand: 'redeem',
        focused: 'reward',
        options: { reward },
      });
    const handle = typing('gold');
    expect(await handle.choices()).toEqual([
      { name: 'gold reward 0', value: 'r0' },
      { name: 'gold reward 1', value: 'r1' },
    ]);
    const tooMany = typing('many');
    expect(await tooMany.nextRejection()).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { data: { choices: {} } } },
    });
  });

  it('delivers a message context-menu command with the target message resolved', async () => {
    onInteraction = async (interaction) => {
      if (!interaction.isMessageContextMenuCommand()) return;
      await interaction.reply(`target=${interaction.targetMessage.content}`);
    };
    const target = fake.postMessage(channelId, { authorId: aliceId, content: 'gm everyone' });
    const reply = await fake
      .contextMenu({ channelId, userId: bobId, command: 'Award Sparks', targetMessageId: target })
      .reply();
    expect(reply.content).toBe('target=gm everyone');
  });

  it('delivers a reaction on an uncached old message as a partial; REST lists its >100 users in pages', async () => {
    expect(client.channels.cache.get(channelId)).toBeDefined();
    const event = nextEvent<[MessageReaction | PartialMessageReaction, { id: string }]>(
      client,
      Events.MessageReactionAdd,
      (reaction) => reaction.message.id === oldMessageId,
    );
    const records = fake.addReaction({ channelId, messageId: oldMessageId, userId: aliceId, emoji: '🔥' });
    expect(records).toHaveLength(1);
    expect(records[0]!.d).toMatchObject({
      burst: false,
      type: 0,
      message_author_id: aliceId,
      member: { user: { id: aliceId } },
    });
    const [reaction, user] = await event;
    expect(reaction.partial).toBe(true);
    expect(reaction.message.partial).toBe(true);
    expect(user.id).toBe(aliceId);

    const firstPage = await reaction.users.fetch();
    expect(firstPage.size).toBe(100);
    const secondPage = await reaction.users.fetch({ after: firstPage.lastKey()! });
    expect(secondPage.size).toBe(51);
    expect(new Set([...firstPage.keys(), ...secondPage.keys()])).toEqual(new Set([...reactorIds, aliceId]));
    const listings = fake.requests.filter(
      (r) => r.route === '/channels/:channelId/messages/:messageId/reactions/:emoji',
    );
    expect(listings.map((r) => r.query.limit)).toEqual(['100', '100']);
    expect(listings[0]!.path).toContain('%F0%9F%94%A5');

    // The bot's own reaction, via the URL-encoded emoji route.
    const message = await reaction.message.fetch();
    await message.react('🔥');
    expect(fake.reactionUsers(oldMessageId, '🔥')).toContain(fake.botUserId);
    // A custom emoji travels as `name:id` (discord.js sends it as spark%3A<id>).
    const spark = fake.createEmoji(guild.id, { name: 'spark' });
    await message.react(`<:spark:${spark.id}>`);
    expect(fake.reactionUsers(oldMessageId, `spark:${spark.id}`)).toEqual([fake.botUserId]);

    const removed = nextEvent<[MessageReaction | PartialMessageReaction, { id: string }]>(
      client,
      Events.MessageReactionRemove,
      (r) => r.message.id === oldMessageId,
    );
    fake.removeReaction({ channelId, messageId: oldMessageId, userId: aliceId, emoji: '🔥' });
    const [removedReaction, remover] = await removed;
    expect([removedReaction.emoji.name, remover.id]).toEqual(['🔥', aliceId]);
    expect(fake.reactionUsers(oldMessageId, '🔥')).not.toContain(aliceId);
  });

  it('grants a role; refuses one above the bot with 50013; unknown role 10011, unknown member 10007', async () => {
    const member = await client.guilds.cache.get(guild.id)!.members.fetch(aliceId);
    const updated = nextEvent<[unknown, { roles: { cache: Map<string, unknown> } }]>(
      client,
      Events.GuildMemberUpdate,
      (_old, next) => next.roles.cache.has(tierRole.id),
    );
    await member.roles.add(tierRole.id, 'Reached Gold tier');
    await updated;
    expect(fake.memberRoles(guild.id, aliceId)).toContain(tierRole.id);
    expect(fake.auditLog.at(-1)).toMatchObject({
      action: 'member_role_add',
      roleId: tierRole.id,
      reason: 'Reached Gold tier',
    });

    const above = await apiErrorOf(member.roles.add(adminRole.id));
    expect([above.status, above.code]).toEqual([403, 50013]);
    expect(fake.memberRoles(guild.id, aliceId)).not.toContain(adminRole.id);
    const managed = await apiErrorOf(member.roles.add(guild.botRoleId));
    expect(managed.code).toBe(50013);

    const unknownRole = await apiErrorOf(
      client.rest.put(Routes.guildMemberRole(guild.id, aliceId, '123456789012345678')),
    );
    expect(unknownRole.code).toBe(10011);
    const unknownMember = await apiErrorOf(
      client.guilds.cache.get(guild.id)!.members.fetch({ user: '123456789012345678', force: true }),
    );
    expect(unknownMember.code).toBe(10007);
  });

  it('makes discord.js wait out a 429 and retry; retries a 500; "applied then failed" still applies', async () => {
    const member = await client.guilds.cache.get(guild.id)!.members.fetch(bobId);
    const limited = fake.injectFault({
      method: 'PUT',
      route: '/guilds/:g/members/:u/roles/:r',
      status: 429,
      retryAfter: 0.3,
    });
    const started = Date.now();
    await member.roles.add(tierRole.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(limited.hits).toBe(1);
    const puts = fake.requests.filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/members/${bobId}/roles/${tierRole.id}`),
    );
    expect(puts.map((r) => r.status)).toEqual([429, 204]);
    expect(fake.memberRoles(guild.id, bobId)).toContain(tierRole.id);

    fake.injectFault({ route: /^\/guilds\/\d+\/members\/\d+$/, status: 500 });
    expect((await client.guilds.cache.get(guild.id)!.members.fetch({ user: bobId, force: true })).id).toBe(
      bobId,
    );

    fake.injectFault({
      method: 'DELETE',
      route: '/guilds/*/members/*/roles/*',
      status: 403,
      code: 50013,
      applyBeforeFailing: true,
    });
    const failed = await apiErrorOf(member.roles.remove(tierRole.id));
    expect(failed.code).toBe(50013);
    expect(fake.memberRoles(guild.id, bobId)).not.toContain(tierRole.id);
  });

  it('applies a change, then resets the connection, hangs, or answers slowly on request', async () => {
    const member = await client.guilds.cache.get(guild.id)!.members.fetch(bobId);
    const reset = fake.injectFault({
      method: 'PUT',
      route: '/guilds/:g/members/:u/roles/:r',
      action: 'destroy',
      applyBeforeFailing: true,
    });
    await expect(member.roles.add(tierRole.id)).rejects.toThrow(/other side closed|socket/i);
    expect(reset.hits).toBe(1);
    expect(fake.memberRoles(guild.id, bobId)).toContain(tierRole.id);

    const headers = { authorization: `Bot ${fake.token}` };
    fake.injectFault({ method: 'GET', route: '/users/@me', action: 'hang' });
    await expect(
      fetch(`${fake.apiBase}/v10/users/@me`, { headers, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();

    fake.injectFault({ method: 'GET', route: '/users/@me', delayMs: 150 });
    const started = Date.now();
    const slow = await fetch(`${fake.apiBase}/v10/users/@me`, { headers });
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('sends DMs through POST /users/@me/channels; a closed DM answers 50007', async () => {
    await client.users.send(aliceId, 'Your reward is ready');
    expect(fake.dms(aliceId).map((m) => m.content)).toEqual(['Your reward is ready']);
    const shy = fake.addMember(guild.id, { username: 'shy', dmsClosed: true });
    expect((await apiErrorOf(client.users.send(shy.id, 'hi'))).code).toBe(50007);
  });

  it('enforces message limits with 50035 Invalid Form Body', async () => {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const tooLong = await apiErrorOf(channel.send('x'.repeat(2001)));
    expect([tooLong.status, tooLong.code]).toEqual([400, 50035]);
    expect(tooLong.rawError).toMatchObject({
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    const sent = await channel.send({
      content: 'Campaign ended',
      embeds: [{ title: 'Summary', description: '12 claims' }],
    });
    expect(fake.channelMessages(channelId).at(-1)).toMatchObject({ id: sent.id, content: 'Campaign ended' });
  });

  it('RESUMEs after a dropped connection and replays missed events exactly once', async () => {
    const seen: string[] = [];
    const listener = (reaction: MessageReaction | PartialMessageReaction, user: { id: string }): void => {
      if (reaction.message.id === oldMessageId) seen.push(`${user.id}:${reaction.emoji.name}`);
    };
    client.on(Events.MessageReactionAdd, listener);
    try {
      const logStart = fake.gatewayLog.length;
      const resumed = nextEvent(client, Events.ShardResume);
      expect(fake.dropGatewayConnection()).toBe(1);
      await fake.waitForGateway('close', { since: logStart });
      // The bot is offline: this event waits in the session's buffer.
      const missed = fake.addReaction({ channelId, messageId: oldMessageId, userId: bobId, emoji: '⭐' });
      expect(missed.map((r) => r.delivered)).toEqual([false]);
      await fake.waitForGateway('resumed', { since: logStart });
      await resumed;
      await expect.poll(() => seen).toEqual([`${bobId}:⭐`]);
      const kinds = fake.gatewayLog.slice(logStart).map((e) => e.kind);
      expect(kinds).toContain('resume');
      expect(kinds).not.toContain('identify');
      await delay(100);
      expect(seen).toHaveLength(1);

      // Discord delivers at least once: a duplicate of the same event reaches the bot again.
      fake.replayDispatch(missed);
      await expect.poll(() => seen).toEqual([`${bobId}:⭐`, `${bobId}:⭐`]);
    } finally {
      client.off(Events.MessageReactionAdd, listener);
    }
  });

  it('resumes after op 7 RECONNECT', async () => {
    const logStart = fake.gatewayLog.length;
    expect(fake.requestReconnect()).toBe(1);
    await fake.waitForGateway('resumed', { since: logStart });
    expect(fake.gatewayLog.slice(logStart).some((e) => e.kind === 'identify')).toBe(false);
  });

  it('respects intents: no reaction events for a client without GUILD_MESSAGE_REACTIONS', async () => {
    const narrow = clientFor(fake, { intents: [GatewayIntentBits.Guilds] });
    try {
      await login(narrow, fake.token);
      const records = fake.addReaction({ channelId, messageId: oldMessageId, userId: aliceId, emoji: '🎉' });
      expect(records).toHaveLength(1);
      expect(records[0]!.sessionId).not.toBe(fake.sessions.at(-1)!.id);
      expect(fake.sessions).toHaveLength(2);
    } finally {
      await narrow.destroy();
    }
  });

  it('rejects a bad token: REST 401 makes login fail, IDENTIFY closes with 4004', async () => {
    const bad = clientFor(fake);
    await expect(bad.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    const gatewayBot = fake.requests.at(-1)!;
    expect([gatewayBot.path, gatewayBot.status, gatewayBot.response]).toEqual([
      '/gateway/bot',
      401,
      { message: '401: Unauthorized', code: 0 },
    ]);

    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', () =>
      socket.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 1, properties: {} } })),
    );
    expect(await closed).toBe(CloseCode.AuthenticationFailed);
  });

  it('fails loudly on routes it does not implement', async () => {
    await expect(client.rest.get('/guilds/1/bans')).rejects.toMatchObject({ status: 404 });
    expect(() => expectNoUnexpectedRequests(fake)).toThrow(/GET \/guilds\/1\/bans/);
    fake.unexpectedRequests.length = 0;
  });
});

describe('fake-discord shards and sessions', () => {
  let fake: FakeDiscord | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  it('routes guilds by (guild_id >> 22) % shard_count and re-IDENTIFYs after INVALID_SESSION', async () => {
    fake = await FakeDiscord.start({ recommendedShards: 2 });
    const g0 = fake.createGuild({ name: 'Zero', shard: [0, 2] });
    const g1 = fake.createGuild({ name: 'One', shard: [1, 2] });
    client = clientFor(fake, {
      // discord.js only follows GET /gateway/bot's `shards` when told to.
      shards: 'auto',
      // discord.js waits 5 s between IDENTIFYs of one shard; a test need not.
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: () => Promise.resolve() }) },
    });
    await login(client, fake.token);
    expect(client.guilds.cache.get(g0.id)?.shardId).toBe(0);
    expect(client.guilds.cache.get(g1.id)?.shardId).toBe(1);
    expect(fake.sessions.map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const logStart = fake.gatewayLog.length;
    expect(fake.invalidateSession({ shardId: 1 })).toBe(1);
    await fake.waitForGateway('ready', { since: logStart, shardId: 1 });
    expect(fake.sessions).toHaveLength(2);
    const role = nextEvent<[{ name: string; guild: { id: string } }]>(client, Events.GuildRoleCreate);
    fake.createRole(g1.id, { name: 'After re-identify' });
    expect((await role)[0].guild.id).toBe(g1.id);
    expectNoUnexpectedRequests(fake);
  });

  it('acknowledges heartbeats; when it stops, the client declares the connection a zombie and resumes', async () => {
    fake = await FakeDiscord.start({ heartbeatIntervalMs: 150 });
    fake.createGuild();
    client = clientFor(fake);
    await login(client, fake.token);
    await fake.waitForGateway('heartbeat');
    await expect.poll(() => client!.ws.ping).toBeGreaterThanOrEqual(0);
    const logStart = fake.gatewayLog.length;
    fake.setHeartbeatAck(false);
    await fake.waitForGateway('resume', { since: logStart });
    fake.setHeartbeatAck(true);
    await fake.waitForGateway('resumed', { since: logStart });
  });

  it('stops cleanly: closes client sockets and leaves no listening server', async () => {
    fake = await FakeDiscord.start();
    fake.createGuild();
    client = clientFor(fake);
    await login(client, fake.token);
    await fake.stop();
    expect(fake.stopped).toBe(true);
    await expect(fetch(`${fake.apiBase}/v10/gateway`)).rejects.toThrow();
    expect(process.getActiveResourcesInfo()).not.toContain('TCPServerWrap');
  });
});
