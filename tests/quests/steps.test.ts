import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import {
  answerMatches,
  checkSubmission,
  MAX_SUBMISSION,
  normalizeAnswer,
  parseAnswers,
  validateStep,
} from '../../src/quests/steps.ts';

/** The reason key of the SPARKS.QUEST_INVALID that `fn` throws. */
function reason(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (isSparksError(e, 'SPARKS.QUEST_INVALID')) return e.params.reasonKey;
    throw e;
  }
  return 'no error';
}

describe('quest steps as an admin gives them', () => {
  it('takes each kind with its own fields, and defaults', () => {
    expect(validateStep({ kind: 'platform_trade', volumeUsd: 100.5 })).toMatchObject({ volumeCents: 10050 });
    expect(validateStep({ kind: 'platform_referral' })).toMatchObject({ count: 1 });
    expect(validateStep({ kind: 'message', channelId: '1'.repeat(18), count: 5 })).toMatchObject({
      count: 5,
    });
    expect(
      validateStep({ kind: 'reaction', channelId: '1'.repeat(18), messageId: '2'.repeat(18), emoji: '👍️' }),
    ).toMatchObject({ emojiKey: '👍', emojiDisplay: '👍️' });
    expect(
      validateStep({ kind: 'quiz', prompt: ' Capital  of France? ', answers: 'Paris| paris |PARIS, France' }),
    ).toMatchObject({
      prompt: 'Capital of France?',
      answers: ['paris', 'paris, france'],
      attempts: 3,
    });
  });

  it.each([
    [{ kind: 'dance' }, 'quest.invalid.kind'],
    [{ kind: 'platform_trade' }, 'quest.invalid.volume'],
    [{ kind: 'platform_trade', volumeUsd: -5 }, 'quest.invalid.volume'],
    [{ kind: 'platform_trade', volumeUsd: 100, count: 2 }, 'quest.invalid.unused'],
    [{ kind: 'message', count: 3 }, 'quest.invalid.channel'],
    [{ kind: 'message', channelId: '1'.repeat(18), count: 0 }, 'quest.invalid.count'],
    [{ kind: 'reaction', emoji: '🔥' }, 'quest.invalid.message'],
    [
      { kind: 'reaction', channelId: '1'.repeat(18), messageId: '2'.repeat(18), emoji: 'fire' },
      'quest.invalid.emoji',
    ],
    [{ kind: 'role' }, 'quest.invalid.role'],
    [{ kind: 'quiz', answers: 'a' }, 'quest.invalid.prompt'],
    [{ kind: 'quiz', prompt: 'Q?' }, 'quest.invalid.answers'],
    [{ kind: 'quiz', prompt: 'Q?', answers: ' | |' }, 'quest.invalid.answers'],
    [{ kind: 'quiz', prompt: 'Q?', answers: 'a', attempts: 0 }, 'quest.invalid.attempts'],
  ])('refuses %j (%s)', (input, key) => {
    expect(reason(() => validateStep(input))).toBe(key);
  });

  it('compares answers case- and space-insensitively', () => {
    expect(normalizeAnswer('  New\tYork   City ')).toBe('new york city');
    const accepted = parseAnswers('New York|NYC');
    expect(answerMatches(accepted, 'new   york')).toBe(true);
    expect(answerMatches(accepted, 'NYC ')).toBe(true);
    expect(answerMatches(accepted, 'York')).toBe(false);
  });
});

describe('a member’s submission', () => {
  it('takes text and http(s) links', () => {
    expect(checkSubmission('  https://x.com/me/status/1 thanks ')).toBe('https://x.com/me/status/1 thanks');
    expect(checkSubmission('My wallet is ready; see http://example.org/a?b=c')).toContain('http://');
    expect(checkSubmission('note: I did it at 10:30')).toBe('note: I did it at 10:30');
  });

  it.each([
    ['', 'quest.invalid.submission_empty'],
    ['x'.repeat(MAX_SUBMISSION + 1), 'quest.invalid.submission_length'],
    ['javascript:alert(1)', 'quest.invalid.submission_link'],
    ['see ftp://files.example.org/x', 'quest.invalid.submission_link'],
    ['<discord://-/channels/1>', 'quest.invalid.submission_link'],
    ['data:text/html,hi', 'quest.invalid.submission_link'],
  ])('refuses %j', (text, key) => {
    expect(reason(() => checkSubmission(text))).toBe(key);
  });
});
