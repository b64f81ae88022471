import type { QuestRow, QuestStepRow } from '../db/quest-store.ts';
import type { Gates } from '../members/gates.ts';

/** What the event hot path needs about a step of a published quest, kept in memory. */
export interface QuestTarget {
  questId: number;
  stepId: number;
  guildId: string;
  startsAt: number | null;
  endsAt: number | null;
  gates: Gates;
  /** The quest has a role step, so the member's roles (when an event brings them) may tick it. */
  hasRoleStep: boolean;
}

export interface PublishedQuest {
  quest: QuestRow;
  steps: QuestStepRow[];
}

/** How long the index trusts itself before it reloads (another process may have published). */
const MAX_AGE_MS = 30_000;

/**
 * The published quests' steps by what triggers them — (message, emoji) for reactions, the
 * channel for messages, the guild for platform events and roles — so that a reaction or a
 * message that is nobody's quest step costs no SQL. Built lazily from `load`, dropped by
 * `invalidate` (the service calls it after every change it makes) and reloaded at most
 * 30 s after it was built, so another process's publication shows within that.
 */
export class QuestIndex {
  private built: Built | null = null;

  constructor(
    private readonly load: () => PublishedQuest[],
    private readonly clock: () => number,
  ) {}

  /** Steps of published quests that a reaction with this emoji on this message ticks. */
  reaction(messageId: string, emojiKey: string): readonly QuestTarget[] {
    return this.index().reactions.get(`${messageId}\n${emojiKey}`) ?? NONE;
  }

  /** Steps of published quests that a message in this channel counts toward. */
  message(channelId: string): readonly QuestTarget[] {
    return this.index().messages.get(channelId) ?? NONE;
  }

  /** The guild's published quests with their steps. */
  inGuild(guildId: string): readonly PublishedQuest[] {
    return this.index().byGuild.get(guildId) ?? [];
  }

  /** Every published quest with its steps. */
  all(): readonly PublishedQuest[] {
    return this.index().all;
  }

  invalidate(): void {
    this.built = null;
  }

  private index(): Built {
    const now = this.clock();
    if (this.built && now - this.built.at < MAX_AGE_MS && now >= this.built.at) return this.built;
    const all = this.load();
    const built: Built = { at: now, reactions: new Map(), messages: new Map(), byGuild: new Map(), all };
    for (const pq of all) {
      const { quest, steps } = pq;
      push(built.byGuild, quest.guildId, pq);
      const hasRoleStep = steps.some((s) => s.kind === 'role');
      for (const step of steps) {
        const target: QuestTarget = {
          questId: quest.id,
          stepId: step.id,
          guildId: quest.guildId,
          startsAt: quest.startsAt,
          endsAt: quest.endsAt,
          gates: {
            requiredRoleId: quest.requiredRoleId,
            minMemberDays: quest.minMemberDays,
            minAccountDays: quest.minAccountDays,
            verifiedWallet: quest.verifiedWallet === 1,
          },
          hasRoleStep,
        };
        if (step.kind === 'reaction' && step.messageId && step.emojiKey)
          push(built.reactions, `${step.messageId}\n${step.emojiKey}`, target);
        if (step.kind === 'message' && step.channelId) push(built.messages, step.channelId, target);
      }
    }
    this.built = built;
    return built;
  }
}

interface Built {
  at: number;
  reactions: Map<string, QuestTarget[]>;
  messages: Map<string, QuestTarget[]>;
  byGuild: Map<string, PublishedQuest[]>;
  all: PublishedQuest[];
}

const NONE: readonly QuestTarget[] = [];

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
