/** A member's own choices (member_prefs) through the prefs store of either engine. */
import { describe, expect, it } from 'vitest';
import { prefsStore } from '../../src/db/pg/prefs-store.ts';
import { G } from '../helpers/db.ts';
import { engineDbs, ENGINES } from '../helpers/engines.ts';

const fresh = engineDbs();

describe.each(ENGINES)('member prefs on %s', (engine) => {
  const open = () => {
    const env = fresh(engine);
    return { env, prefs: prefsStore(env.db) };
  };

  it('gives every default to a member without a row', () => {
    const { env, prefs } = open();
    expect(prefs.leaderboardHidden(G, 'alice')).toBe(false);
    expect(prefs.questNotices(G, 'alice')).toBe('dm');
    expect(prefs.hiddenAmong(G, [])).toEqual(new Set());
    expect(prefs.hiddenAmong(G, ['alice', 'bob'])).toEqual(new Set());
    expect(env.rows('SELECT COUNT(*) AS n FROM member_prefs')).toEqual([{ n: 0 }]);
    env.cleanup();
  });

  it('sets each choice on its own, says whether it changed, and writes nothing for a repeat', () => {
    const { env, prefs } = open();
    expect(env.db.write(() => prefs.setLeaderboardHidden(G, 'alice', true, 1000))).toBe(true);
    expect(env.db.write(() => prefs.setLeaderboardHidden(G, 'alice', true, 2000))).toBe(false);
    expect(env.db.write(() => prefs.setQuestNotices(G, 'alice', 'ephemeral', 3000))).toBe(true);
    expect(env.db.write(() => prefs.setQuestNotices(G, 'alice', 'ephemeral', 4000))).toBe(false);
    expect(prefs.leaderboardHidden(G, 'alice')).toBe(true);
    expect(prefs.questNotices(G, 'alice')).toBe('ephemeral');
    expect(
      env.rows('SELECT leaderboard_hidden AS h, quest_notices AS q, updated_at AS at FROM member_prefs'),
    ).toEqual([{ h: 1, q: 'ephemeral', at: 3000 }]);
    // Back to the default: the row stays, with the choice undone.
    expect(env.db.write(() => prefs.setLeaderboardHidden(G, 'alice', false, 5000))).toBe(true);
    expect(prefs.leaderboardHidden(G, 'alice')).toBe(false);
    expect(prefs.questNotices(G, 'alice')).toBe('ephemeral');
    env.cleanup();
  });

  it('finds the hidden ones among a page of members, in this guild only', () => {
    const { env, prefs } = open();
    env.db.write(() => {
      prefs.setLeaderboardHidden(G, 'alice', true, 1);
      prefs.setLeaderboardHidden(G, 'carol', true, 1);
      prefs.setLeaderboardHidden(G, 'dave', true, 1);
      prefs.setLeaderboardHidden(G, 'dave', false, 2);
      prefs.setQuestNotices(G, 'erin', 'ephemeral', 1);
      prefs.setLeaderboardHidden('other', 'bob', true, 1);
    });
    expect(prefs.hiddenAmong(G, ['alice', 'bob', 'dave', 'erin', "o'brien"])).toEqual(new Set(['alice']));
    expect(prefs.hiddenAmong(G, ['carol', 'alice'])).toEqual(new Set(['alice', 'carol']));
    expect(prefs.hiddenAmong('other', ['alice', 'bob'])).toEqual(new Set(['bob']));
    env.cleanup();
  });

  it('refuses a hidden flag other than 0 or 1 in the database itself', () => {
    const { env, prefs } = open();
    expect(() =>
      env.exec(
        `INSERT INTO member_prefs (guild_id, user_id, leaderboard_hidden, updated_at) VALUES ('g', 'u', 2, 1)`,
      ),
    ).toThrow(/member_prefs_hidden/);
    expect(prefs.leaderboardHidden('g', 'u')).toBe(false);
    env.cleanup();
  });
});
