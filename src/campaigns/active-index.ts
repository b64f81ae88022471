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
 * after every start and end: the index is never newer or older than the last change this
 * process made (another process's changes show after its next own change).
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

function toActive(row: CampaignRow): ActiveCampaign {
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
