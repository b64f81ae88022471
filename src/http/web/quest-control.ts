/**
 * The dashboard's quest actions need the running bot (a reaction step's message must exist
 * and take the emoji, a message step's channel must be visible, a reward role must be safe,
 * an end reconciles the reactions first, a reviewed member is told by DM), so the web
 * reaches them through this port; the Discord layer implements it with the same functions
 * the slash commands call (src/discord/quest-control.ts).
 */
import type { CreateQuestInput, QuestRow, QuestStepRow, ReviewResult } from '../../quests/quests.ts';

/** A step as an admin gives it on any surface: the options of `/sparks-admin quest step`. */
export interface QuestStepLaunch {
  guildId: string;
  /** The quest's id or name. */
  quest: string;
  kind: string;
  /** A message link, or the id of a message in `currentChannelId`. */
  message?: string | null;
  currentChannelId?: string | null;
  emoji?: string | null;
  channelId?: string | null;
  roleId?: string | null;
  count?: number | null;
  volumeUsd?: number | null;
  prompt?: string | null;
  answers?: string | null;
  attempts?: number | null;
}

export interface WebQuestControl {
  /** As `/sparks-admin quest create`. Errors: its SparksErrors (QUEST_INVALID, ROLE_UNSAFE, …). */
  create(input: CreateQuestInput): Promise<QuestRow>;
  /** As `/sparks-admin quest step`. */
  addStep(input: QuestStepLaunch): Promise<{ quest: QuestRow; step: QuestStepRow }>;
  /** As `/sparks-admin quest publish`. */
  publish(input: { guildId: string; quest: string; moderatorId: string }): Promise<QuestRow>;
  /** As `/sparks-admin quest end`: whether this call ended it. */
  end(input: {
    guildId: string;
    quest: string;
    moderatorId: string;
  }): Promise<{ quest: QuestRow; ended: boolean }>;
  /** As the review queue's buttons: the decision, and whether the member was told by DM. */
  review(input: {
    guildId: string;
    submissionId: number;
    moderatorId: string;
    decision: 'approve' | 'reject';
    reason?: string | null;
  }): Promise<ReviewResult & { told: boolean }>;
}
