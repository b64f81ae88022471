import { describe, expect, it } from 'vitest';
import { nextReset, periodBounds, periodOf, questWindow } from '../../src/quests/periods.ts';

const at = (iso: string) => Date.parse(iso);

describe('quest periods', () => {
  it.each([
    ['once', '2026-11-24T12:00:00Z', ''],
    ['daily', '2026-11-24T00:00:00Z', '2026-11-24'],
    ['daily', '2026-11-24T23:59:59.999Z', '2026-11-24'],
    ['daily', '2026-11-25T00:00:00Z', '2026-11-25'],
    // 2026-11-23 is a Monday: the week runs Monday 00:00 UTC to the next Monday.
    ['weekly', '2026-11-23T00:00:00Z', '2026-11-23'],
    ['weekly', '2026-11-29T23:59:59Z', '2026-11-23'],
    ['weekly', '2026-11-30T00:00:00Z', '2026-11-30'],
    // A week across the year's end keeps its Monday.
    ['weekly', '2027-01-01T10:00:00Z', '2026-12-28'],
  ] as const)('%s at %s is period %j', (recurrence, when, period) => {
    expect(periodOf(recurrence, at(when))).toBe(period);
  });

  it('bounds a period and says when the next begins', () => {
    expect(periodBounds('daily', '2026-11-24')).toEqual({
      start: at('2026-11-24T00:00:00Z'),
      end: at('2026-11-25T00:00:00Z'),
    });
    expect(periodBounds('weekly', '2026-11-23').end).toBe(at('2026-11-30T00:00:00Z'));
    expect(periodBounds('once', '')).toEqual({ start: -Infinity, end: Infinity });
    expect(nextReset('daily', at('2026-11-24T13:00:00Z'))).toBe(at('2026-11-25T00:00:00Z'));
    expect(nextReset('once', at('2026-11-24T13:00:00Z'))).toBeNull();
  });

  it('a window is the period cut to the start (or publication) and the end', () => {
    const q = {
      recurrence: 'daily' as const,
      startsAt: at('2026-11-24T09:00:00Z'),
      endsAt: at('2026-11-26T18:00:00Z'),
      publishedAt: at('2026-11-20T00:00:00Z'),
    };
    expect(questWindow(q, '2026-11-24')).toEqual({ from: q.startsAt, to: at('2026-11-25T00:00:00Z') });
    expect(questWindow(q, '2026-11-26')).toEqual({ from: at('2026-11-26T00:00:00Z'), to: q.endsAt });
    expect(questWindow({ ...q, recurrence: 'once', startsAt: null }, '')).toEqual({
      from: q.publishedAt,
      to: q.endsAt,
    });
  });
});
