import { afterEach, describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/cards/pool.ts';
import type { Canvas } from '@napi-rs/canvas';
import { cardSize, drawCard, printable, renderCard, type Card } from '../../src/cards/render.ts';
import { decodePng } from '../helpers/members.ts';

const balance: Card = {
  kind: 'balance',
  userId: '1',
  name: '김민준',
  labels: { balance: '잔액', lifetime: '누적 적립', rank: '순위' },
  balance: '1,234 Sparks',
  lifetime: '2,000 Sparks',
  rank: '1위',
  tier: '골드',
  progress: { fraction: 0.5, text: '플래티넘까지 500 Sparks' },
};
const board = (rows: number): Card => ({
  kind: 'leaderboard',
  title: 'Sparks',
  subtitle: 'all',
  footer: 'you',
  rows: Array.from({ length: rows }, (_, i) => ({
    rank: i + 1,
    name: `회원 ${i}`,
    score: 100 - i,
    scoreText: `${100 - i}`,
    highlight: false,
  })),
});

let pool: CardRenderer | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('cards', () => {
  it.each([
    ['a balance card', balance, { width: 800, height: 300 }],
    ['a full leaderboard page', board(10), { width: 800, height: 640 }],
    ['a short leaderboard page', board(3), { width: 800, height: 304 }],
    ['an empty leaderboard', board(0), { width: 800, height: 208 }],
  ] as const)('%s is a PNG of its size', async (_label, card, size) => {
    expect(cardSize(card)).toEqual(size);
    expect(await decodePng(await renderCard(card))).toEqual(size);
  });

  it('a balance card shows the running season under the rank, and only then', async () => {
    const without = await renderCard(balance);
    const withSeason = await renderCard({ ...balance, season: 'Winter · #2' });
    expect(await decodePng(withSeason)).toEqual({ width: 800, height: 300 });
    expect(Buffer.compare(without, withSeason)).not.toBe(0);
    expect(Buffer.compare(without, await renderCard({ ...balance, season: null }))).toBe(0);
  });

  it('a balance card shows the streak under the rank (and the season), and only then', async () => {
    const without = await renderCard(balance);
    const withStreak = await renderCard({ ...balance, streak: 'Streak 5 · best 9' });
    const withBoth = await renderCard({ ...balance, season: 'Winter · #2', streak: 'Streak 5 · best 9' });
    expect(await decodePng(withBoth)).toEqual({ width: 800, height: 300 });
    expect(Buffer.compare(without, withStreak)).not.toBe(0);
    expect(Buffer.compare(withStreak, withBoth)).not.toBe(0);
    expect(Buffer.compare(without, await renderCard({ ...balance, streak: null }))).toBe(0);
  });

  it('a reused canvas draws exactly what a fresh one draws, one canvas per size', () => {
    const canvases = new Map<string, Canvas>();
    const other: Card = {
      ...balance,
      name: 'Ada Lovelace',
      balance: '99,999,999 Sparks',
      tier: null,
      progress: { fraction: 1, text: 'done' },
    };
    const first = drawCard(balance, canvases);
    expect(drawCard(other, canvases)).toBe(first);
    drawCard(board(3), canvases);
    drawCard(board(10), canvases);
    expect([...canvases.keys()].sort()).toEqual(['800x300', '800x304', '800x640']);
    // Each card drawn over another leaves no trace of it.
    for (const card of [balance, board(3), board(10)]) {
      const reused = drawCard(card, canvases).encodeSync('png');
      expect(reused.equals(drawCard(card).encodeSync('png'))).toBe(true);
    }
    expect(drawCard(other, canvases).encodeSync('png').equals(drawCard(other).encodeSync('png'))).toBe(true);
  });

  it('drops emoji the font cannot draw, keeps Hangul and Latin', () => {
    expect(printable('🦊 김민준 ✨ Minjun 👍🏽')).toBe('김민준 Minjun');
    expect(printable('🔥🔥')).toBe('?');
  });
});

describe('the worker pool', () => {
  it('renders in worker threads, at most `size` of them, and they stop when idle', async () => {
    pool = new CardRenderer({ size: 2, idleMs: 50 });
    const pngs = await Promise.all([balance, board(10), balance, board(2)].map((c) => pool!.render(c)));
    expect(await decodePng(pngs[1]!)).toEqual({ width: 800, height: 640 });
    expect(pool.workers).toBeLessThanOrEqual(2);
    await expect.poll(() => pool!.workers, { timeout: 2000 }).toBe(0);
  });

  it('fails fast when overloaded, on timeout, and after close: callers reply without the image', async () => {
    pool = new CardRenderer({ maxQueue: 1, timeoutMs: 1 });
    const slow = pool.render(balance);
    await expect(pool.render(balance)).rejects.toThrow(/overloaded/);
    await expect(slow).rejects.toThrow(/timed out/);
    await pool.close();
    await expect(pool.render(balance)).rejects.toThrow(/closed/);
  });
});
