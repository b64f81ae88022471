/**
 * `npx tsx bench/cards.ts`: how long a card takes, and how much of it would hold the event
 * loop. Drawing alone is cheap once the font is warm, but PNG encoding is tens of
 * milliseconds per card — well past a ~10 ms event-loop budget — which is why cards are
 * rendered in worker threads (src/cards/pool.ts). Names are random Hangul, so most glyphs
 * are new to the glyph cache, as with real member names.
 */
import { CardRenderer } from '../src/cards/pool.ts';
import { drawCard, ensureFonts, type Card } from '../src/cards/render.ts';

const RUNS = 30;
const syllables = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(0xac00 + Math.floor(Math.random() * 11172))).join('');

const balance = (): Card => ({
  kind: 'balance',
  userId: '123456789012345678',
  name: `${syllables(3)} ${syllables(2)}`,
  labels: { balance: '잔액', lifetime: '누적 적립', rank: '순위' },
  balance: '12,345 Sparks',
  lifetime: '45,678 Sparks',
  rank: '3위',
  tier: '골드',
  progress: { fraction: 0.62, text: '플래티넘까지 1,200 Sparks' },
});

const leaderboard = (): Card => ({
  kind: 'leaderboard',
  title: 'Sparks 순위표',
  subtitle: '이번 주 · 적립 기준',
  footer: '내 순위: 12위 · 340 Sparks',
  rows: Array.from({ length: 10 }, (_, i) => ({
    rank: i + 1,
    name: `${syllables(3)} ${syllables(3)}`,
    score: 1000 - i * 90,
    scoreText: `${1000 - i * 90} Sparks`,
    highlight: i === 4,
  })),
});

const ms = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
const fmt = (n: number) => n.toFixed(1).padStart(7);

ensureFonts();
console.log(`${RUNS} cards each; milliseconds (p50 / p95)`);
console.log('card         draw (loop)        draw+encodeSync     worker pool round trip');
const pool = new CardRenderer({ size: 2 });
await pool.render(balance()); // start the workers outside the timings
for (const [label, make] of [
  ['balance', balance],
  ['leaderboard', leaderboard],
] as const) {
  const draw: number[] = [];
  const sync: number[] = [];
  const pooled: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const canvas = drawCard(make());
    draw.push(performance.now() - t);
    canvas.encodeSync('png');
    sync.push(performance.now() - t);
    t = performance.now();
    await pool.render(make());
    pooled.push(performance.now() - t);
  }
  console.log(
    `${label.padEnd(12)} ${fmt(ms(draw, 0.5))} /${fmt(ms(draw, 0.95))}   ${fmt(ms(sync, 0.5))} /${fmt(ms(sync, 0.95))}   ${fmt(ms(pooled, 0.5))} /${fmt(ms(pooled, 0.95))}`,
  );
}
await pool.close();
