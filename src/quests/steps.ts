/**
 * A quest step as an admin describes it, checked before anything is written: which fields
 * each kind takes, what each field may hold, and the two things a member types (a quiz
 * answer, a submission). Pure; refusals are SPARKS.QUEST_INVALID with the reason's message
 * key. What only Discord can tell (the message exists and the bot sees it, the bot can use
 * the emoji, the bot can read the channel) the Discord edge checks before calling the service.
 */
import { SparksError } from '../core/errors.ts';
import { parseEmoji } from '../campaigns/parse.ts';
import { QUEST_STEP_KINDS, type QuestStepKind } from '../db/schema.ts';
import './errors.ts';

export const MAX_STEPS = 10;
export const MAX_PROMPT = 200;
export const MAX_ANSWERS = 20;
export const MAX_ANSWER = 100;
export const MAX_ATTEMPTS = 100;
export const DEFAULT_ATTEMPTS = 3;
export const MAX_COUNT = 1_000_000;
export const MAX_VOLUME_USD = 1_000_000_000;
/** Longest submission a member may send (characters). */
export const MAX_SUBMISSION = 1000;

export const invalid = (reasonKey: string, params: Record<string, string | number> = {}) =>
  new SparksError('SPARKS.QUEST_INVALID', { reasonKey, ...params }, reasonKey);

/** A step as any surface hands it over (the slash command's options, the web form's fields). */
export interface StepInput {
  kind: string;
  channelId?: string | null;
  messageId?: string | null;
  emoji?: string | null;
  roleId?: string | null;
  count?: number | null;
  volumeUsd?: number | null;
  prompt?: string | null;
  /** Accepted answers separated by `|`. */
  answers?: string | null;
  attempts?: number | null;
}

export interface ValidStep {
  kind: QuestStepKind;
  channelId: string | null;
  messageId: string | null;
  emojiKey: string | null;
  emojiDisplay: string | null;
  roleId: string | null;
  count: number | null;
  volumeCents: number | null;
  prompt: string | null;
  /** Normalized (see normalizeAnswer); never shown to members. */
  answers: string[] | null;
  attempts: number | null;
}

type Field =
  'message' | 'emoji' | 'channel' | 'role' | 'count' | 'volume_usd' | 'prompt' | 'answers' | 'attempts';

/** The options each kind takes; any other is refused, so nothing typed is silently dropped. */
const FIELDS: Record<QuestStepKind, readonly Field[]> = {
  platform_trade: ['volume_usd'],
  platform_subscription: [],
  platform_referral: ['count'],
  reaction: ['message', 'emoji'],
  message: ['channel', 'count'],
  role: ['role'],
  submission: ['prompt'],
  quiz: ['prompt', 'answers', 'attempts'],
};

export function isStepKind(kind: string): kind is QuestStepKind {
  return (QUEST_STEP_KINDS as readonly string[]).includes(kind);
}

/**
 * Checks a step. Errors: SPARKS.QUEST_INVALID with reasonKey quest.invalid.kind, .unused
 * (an option this kind does not take), .message, .emoji, .channel, .role, .volume, .count,
 * .prompt, .answers (a quiz with no accepted answer, or one too long), .attempts.
 */
export function validateStep(input: StepInput): ValidStep {
  if (!isStepKind(input.kind)) throw invalid('quest.invalid.kind', { kind: input.kind.slice(0, 40) });
  const kind = input.kind;
  const given: Record<Field, boolean> = {
    message: !!input.messageId,
    emoji: !!input.emoji?.trim(),
    channel: !!input.channelId && kind !== 'reaction',
    role: !!input.roleId,
    count: input.count != null,
    volume_usd: input.volumeUsd != null,
    prompt: !!input.prompt?.trim(),
    answers: !!input.answers?.trim(),
    attempts: input.attempts != null,
  };
  for (const field of Object.keys(given) as Field[])
    if (given[field] && !FIELDS[kind].includes(field))
      throw invalid('quest.invalid.unused', { option: field, kind });
  const step: ValidStep = {
    kind,
    channelId: null,
    messageId: null,
    emojiKey: null,
    emojiDisplay: null,
    roleId: null,
    count: null,
    volumeCents: null,
    prompt: null,
    answers: null,
    attempts: null,
  };
  switch (kind) {
    case 'platform_trade': {
      const usd = input.volumeUsd;
      if (
        usd == null ||
        !Number.isFinite(usd) ||
        usd <= 0 ||
        usd > MAX_VOLUME_USD ||
        Math.round(usd * 100) < 1
      )
        throw invalid('quest.invalid.volume', { max: MAX_VOLUME_USD });
      return { ...step, volumeCents: Math.round(usd * 100) };
    }
    case 'platform_subscription':
      return step;
    case 'platform_referral':
    case 'message': {
      const count = input.count ?? 1;
      if (!Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT)
        throw invalid('quest.invalid.count', { max: MAX_COUNT });
      if (kind === 'platform_referral') return { ...step, count };
      if (!input.channelId) throw invalid('quest.invalid.channel');
      return { ...step, channelId: input.channelId, count };
    }
    case 'reaction': {
      if (!input.messageId || !input.channelId) throw invalid('quest.invalid.message');
      if (!input.emoji?.trim()) throw invalid('quest.invalid.emoji');
      let emoji;
      try {
        emoji = parseEmoji(input.emoji);
      } catch {
        throw invalid('quest.invalid.emoji');
      }
      return {
        ...step,
        channelId: input.channelId,
        messageId: input.messageId,
        emojiKey: emoji.key,
        emojiDisplay: emoji.display,
      };
    }
    case 'role':
      if (!input.roleId) throw invalid('quest.invalid.role');
      return { ...step, roleId: input.roleId };
    case 'submission': {
      const prompt = cleanPrompt(input.prompt);
      return { ...step, prompt };
    }
    case 'quiz': {
      const prompt = cleanPrompt(input.prompt);
      if (!prompt) throw invalid('quest.invalid.prompt', { max: MAX_PROMPT });
      const answers = parseAnswers(input.answers ?? '');
      const attempts = input.attempts ?? DEFAULT_ATTEMPTS;
      if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS)
        throw invalid('quest.invalid.attempts', { max: MAX_ATTEMPTS });
      return { ...step, prompt, answers, attempts };
    }
  }
}

function cleanPrompt(text: string | null | undefined): string | null {
  const prompt = text?.replace(/\s+/g, ' ').trim() ?? '';
  if (prompt.length > MAX_PROMPT) throw invalid('quest.invalid.prompt', { max: MAX_PROMPT });
  return prompt || null;
}

/**
 * `Paris | paris, France|PARIS` → the distinct normalized answers. Errors: quest.invalid.answers
 * when none is left, there are more than MAX_ANSWERS or one is longer than MAX_ANSWER.
 */
export function parseAnswers(text: string): string[] {
  const answers = [...new Set(text.split('|').map(normalizeAnswer).filter(Boolean))];
  if (answers.length === 0 || answers.length > MAX_ANSWERS || answers.some((a) => a.length > MAX_ANSWER))
    throw invalid('quest.invalid.answers', { max: MAX_ANSWERS, length: MAX_ANSWER });
  return answers;
}

/** How answers are compared: Unicode-normalized, lower-case, runs of spaces as one, trimmed. */
export function normalizeAnswer(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether a member's answer is one of the accepted ones (case- and space-insensitively). */
export function answerMatches(accepted: readonly string[], answer: string): boolean {
  return accepted.includes(normalizeAnswer(answer));
}

const SCHEME = /(?:^|[\s<(["'])([a-z][a-z0-9+.-]{1,30}):(\/\/)?\S/gi;
/** Schemes that are links whatever follows them. */
const ALWAYS_LINK = new Set(['javascript', 'data', 'vbscript', 'file']);

/**
 * A member's submission (a link or text): trimmed, 1 to MAX_SUBMISSION characters, and any
 * link in it http(s) and well-formed. Errors: quest.invalid.submission_empty,
 * .submission_length, .submission_link (names the scheme).
 */
export function checkSubmission(text: string): string {
  const content = text.trim();
  if (!content) throw invalid('quest.invalid.submission_empty');
  if ([...content].length > MAX_SUBMISSION)
    throw invalid('quest.invalid.submission_length', { max: MAX_SUBMISSION });
  for (const m of content.matchAll(SCHEME)) {
    const scheme = m[1]!.toLowerCase();
    const isLink = m[2] !== undefined || ALWAYS_LINK.has(scheme);
    if (!isLink) continue;
    if (scheme !== 'http' && scheme !== 'https') throw invalid('quest.invalid.submission_link', { scheme });
  }
  for (const m of content.matchAll(/https?:\/\/\S+/gi)) {
    if (!URL.canParse(m[0])) throw invalid('quest.invalid.submission_link', { scheme: 'http' });
  }
  return content;
}
