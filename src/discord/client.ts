import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';

export interface ClientOptions {
  /** Another API base (without /v10) — a REST proxy or the tests' fake Discord. */
  apiUrl?: string;
  shards?: number | number[] | 'auto';
  shardCount?: number;
}

/**
 * A discord.js client with only the intents the features need — Guilds (commands, roles),
 * GuildMembers (leaving members drop off leaderboards; tier and excluded roles; needs the
 * Server Members privileged intent), GuildMessageReactions (campaigns) — and partials so
 * reactions on old, uncached messages still arrive. Caches are bounded so memory stays
 * flat in large guilds: messages and reactions are not cached at all, members and users
 * only briefly (the bot reads what it needs from each event's payload or fetches it).
 */
export function createClient(options: ClientOptions = {}): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMembers,
      GatewayIntentBits.GuildMessageReactions,
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
}
