import { describe, expect, it } from 'vitest';
import { isSparksError } from '../../src/core/errors.ts';
import { optionPatch, optionValue, resetPatch } from '../../src/settings/options.ts';
import { SettingsService } from '../../src/settings/settings.ts';
import { formatMilestones, parseMilestones } from '../../src/streaks/milestones.ts';
import { freshDb, G } from '../helpers/db.ts';
import { DEFAULTS as defaults } from '../helpers/platform.ts';

describe('streak_milestones', () => {
  it.each([
    ['3:10, 7:50, 30:200', '3:10, 7:50, 30:200'],
    ['30:200 3:10,7:50', '3:10, 7:50, 30:200'],
    ['7=50;3=10', '3:10, 7:50'],
    ['3650:1000000000', '3650:1000000000'],
  ])('reads %j as %j', (text, shown) => {
    expect(formatMilestones(parseMilestones(text))).toBe(shown);
  });

  it.each([
    ['', ''],
    ['3', '3'],
    ['3:0', '3:0'],
    ['0:10', '0:10'],
    ['3651:10', '3651:10'],
    ['3:1000000001', '3:1000000001'],
    ['3:10, 3:20', '3:20'],
    ['3:1.5', '3:1.5'],
    ['-3:10', '-3:10'],
    // Eleven pairs: the list itself is named (up to 40 characters).
    ...[Array.from({ length: 11 }, (_, i) => `${i + 1}:5`).join(',')].map((t) => [t, t]),
  ])('refuses %j, naming %j', (text, part) => {
    try {
      parseMilestones(text);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isSparksError(e, 'SPARKS.STREAK_MILESTONES_INVALID')).toBe(true);
      expect((e as { params: { part: string } }).params.part).toBe(part.slice(0, 40));
    }
  });

  it('is a setting like the others: option patch, value, reset; a refusal writes nothing', () => {
    const db = freshDb();
    const settings = new SettingsService({ db, defaults });
    expect(settings.get(G).streakMilestones).toEqual([]);
    expect(optionValue('streak_milestones', settings.get(G))).toBeNull();
    settings.update(G, optionPatch('streak_milestones', '7:50, 3:10', G));
    expect(settings.get(G).streakMilestones).toEqual([
      { days: 3, sparks: 10 },
      { days: 7, sparks: 50 },
    ]);
    expect(optionValue('streak_milestones', settings.get(G))).toBe('3:10, 7:50');
    expect(() => settings.update(G, optionPatch('streak_milestones', '3:x', G))).toThrow(
      'SPARKS.STREAK_MILESTONES_INVALID',
    );
    expect(() => optionPatch('streak_milestones', 7, G)).toThrow('SPARKS.INVALID_INPUT');
    // A list built by code is checked too.
    expect(() => settings.update(G, { streakMilestones: [{ days: 0, sparks: 1 }] })).toThrow(
      'SPARKS.STREAK_MILESTONES_INVALID',
    );
    expect(optionValue('streak_milestones', settings.get(G))).toBe('3:10, 7:50');
    settings.update(G, resetPatch('streak_milestones'));
    expect(settings.get(G).streakMilestones).toEqual([]);
    db.cleanup();
  });
});
