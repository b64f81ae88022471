/**
 * The dashboard's campaign actions need the running bot (the message must exist and the
 * bot reacts to it before anything is written; an end reconciles the reactions first),
 * so the web reaches them through this port; the Discord layer implements it with the
 * same functions the slash commands call (src/discord/campaign-launch.ts).
 */
import type { CampaignRow, EndResult, StartInput } from '../../campaigns/campaigns.ts';
import type { MessageRef } from '../../campaigns/parse.ts';

/** A start request as a moderator gives it: the message, and the options as typed. */
export interface WebCampaignLaunch extends Omit<
  StartInput,
  'channelId' | 'messageId' | 'defaultName' | 'endsInMs'
> {
  ref: MessageRef;
  /** `ends_in` as typed (`30m`, `3d`…), parsed by the shared flow. */
  endsIn: string | null;
}

export interface WebCampaignControl {
  /** As `/sparks-admin campaign start`. Errors: its SparksErrors (CAMPAIGN_INVALID, MESSAGE_NOT_FOUND, …). */
  start(input: WebCampaignLaunch): Promise<CampaignRow>;
  /** As `/sparks-admin campaign end` (`campaign`: id or name). Errors: SPARKS.CAMPAIGN_NOT_FOUND. */
  end(input: { guildId: string; campaign: string; moderatorId: string }): Promise<EndResult>;
}
