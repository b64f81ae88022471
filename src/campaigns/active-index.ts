import type { CampaignRow } from '../db/campaign-store.ts';
import { parseEmoji, type CampaignEmoji } from './parse.ts';

/** What the reaction hot path needs about an active campaign, kept in memory. */
export interface ActiveCampaign {
  id: number;
  guildId: string;
  channelId: string;
  messageId: string;
  emoji: CampaignEmoji;
  name: string;
  sparks: number;
  endsAt: number | null;
  requiredRoleId: string | null;
  minMemberDays: number | null;
  minAccountDays: number | null;
  verifiedWallet: boolean;
  revokeOnUnreact: boolean;
}

/**
 * The active campaigns by (message, emoji), so that a reaction on any other message costs
 * no SQL. Built lazily from `load` and dropped by `invalidate`, which the lifecycle calls
 * after every start and end this process makes, and when a grant batch finds a listed
 * campaign no longer active (another process ended it). Changes made elsewhere (the
 * leader's time ends, a dashboard's end on another host) also show at the next `refresh`,
 * which the campaigns runtime runs every 30 s.
 */
export class ActiveIndex {
  private byReaction: Map<string, ActiveCampaign> | null = null;

  constructor(private readonly load: () => readonly CampaignRow[]) {}

  /** The campaign on this message with this emoji key, if one is active. */
  match(messageId: string, emojiKey: string): ActiveCampaign | undefined {
    return this.index().get(reactionKey(messageId, emojiKey));
  }

  /** Every active campaign, in order of id. */
  all(): ActiveCampaign[] {
    return [...this.index().values()];
  }

  invalidate(): void {
    this.byReaction = null;
  }

  /** Reloads now (when built): the campaigns that were listed and are no longer active. */
  refresh(): ActiveCampaign[] {
    const before = this.byReaction;
    this.byReaction = null;
    if (!before) return [];
    const now = this.index();
    return [...before.entries()].filter(([key]) => !now.has(key)).map(([, c]) => c);
  }

  private index(): Map<string, ActiveCampaign> {
    if (!this.byReaction) {
      this.byReaction = new Map();
      for (const row of this.load())
        this.byReaction.set(reactionKey(row.messageId, row.emojiKey), toActive(row));
    }
    return this.byReaction;
  }
}

const reactionKey = (messageId: string, emojiKey: string) => `${messageId}\n${emojiKey}`;

/** A campaign row as the reaction path and the scheduler hold it. */
export function toActive(row: CampaignRow): ActiveCampaign {
  return {
    id: row.id,
    guildId: row.guildId,
    channelId: row.channelId,
    messageId: row.messageId,
    emoji: parseEmoji(row.emojiDisplay),
    name: row.name,
    sparks: row.sparks,
    endsAt: row.endsAt,
    requiredRoleId: row.requiredRoleId,
    minMemberDays: row.minMemberDays,
    minAccountDays: row.minAccountDays,
    verifiedWallet: row.verifiedWallet === 1,
    revokeOnUnreact: row.revokeOnUnreact === 1,
  };
}
