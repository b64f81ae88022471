import { Client, Events, GatewayIntentBits, Options, Partials } from 'discord.js';

export interface ClientOptions {
  /** Another API base (without /v10) — a REST proxy or the tests' fake Discord. */
  apiUrl?: string;
  shards?: number | number[] | 'auto';
  shardCount?: number;
}

/**
 * A discord.js client with only the intents the features need — Guilds (commands, roles),
 * GuildMembers (leaving members drop off leaderboards; tier and excluded roles; needs the
 * Server Members privileged intent), GuildMessageReactions (campaigns, quests),
 * GuildMessages (quests count messages per channel; without the privileged MessageContent
 * intent the bot never sees what they say) — and partials so
 * reactions on old, uncached messages still arrive. Caches are bounded so memory stays
 * flat in large guilds: messages and reactions are not cached at all, members and users
 * only briefly (the bot reads what it needs from each event's payload or fetches it).
 */
export function createClient(options: ClientOptions = {}): Client {
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMembers,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.GuildMessages,
    ],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User, Partials.GuildMember],
    allowedMentions: { parse: [] },
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ReactionManager: 0,
      ReactionUserManager: 0,
      GuildMessageManager: 0,
      PresenceManager: 0,
      VoiceStateManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      GuildInviteManager: 0,
      GuildScheduledEventManager: 0,
      StageInstanceManager: 0,
      ThreadMemberManager: 0,
      GuildMemberManager: { maxSize: 1000, keepOverLimit: (m) => m.id === m.client.user.id },
      UserManager: { maxSize: 1000, keepOverLimit: (u) => u.id === u.client.user.id },
    }),
    sweepers: {
      ...Options.DefaultSweeperSettings,
      users: { interval: 3600, filter: () => (u) => u.id !== u.client.user.id },
    },
    rest: options.apiUrl ? { api: options.apiUrl } : {},
    ...(options.shards !== undefined ? { shards: options.shards } : {}),
    ...(options.shardCount !== undefined ? { shardCount: options.shardCount } : {}),
  });
  skipUnheardReactionEvents(client);
  return client;
}

type Action = { handle: (data: unknown, fromStructure?: boolean) => unknown };

/**
 * discord.js turns each reaction event into partial message, reaction, user and member
 * objects before emitting messageReactionAdd/Remove — most of the bot's cost per reaction
 * in a campaign burst (~80 µs of ~150). The bot reads reactions from the raw gateway
 * payload (plugins/campaigns.ts) and listens to neither event, so while nothing listens
 * that work is skipped; a listener added later gets the events as usual, and the bot's own
 * `message.react()` (which goes through the same action) is untouched. Messages likewise:
 * quests count them from the raw MESSAGE_CREATE (plugins/quests.ts).
 */
function skipUnheardReactionEvents(client: Client): void {
  const { actions } = client as unknown as { actions: Record<string, Action | undefined> };
  for (const [name, event] of [
    ['MessageReactionAdd', Events.MessageReactionAdd],
    ['MessageReactionRemove', Events.MessageReactionRemove],
    ['MessageCreate', Events.MessageCreate],
  ] as const) {
    const action = actions[name];
    if (!action) continue; // another discord.js: leave it alone
    const handle = action.handle.bind(action);
    action.handle = (data, fromStructure = false) =>
      fromStructure || client.listenerCount(event) > 0 ? handle(data, fromStructure) : false;
  }
}
