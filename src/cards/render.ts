/**
 * Profile and leaderboard cards: PNG images drawn with @napi-rs/canvas in Noto Sans KR, so
 * Hangul names render. The cards only restate what the text reply says (the facts stay in
 * text for screen readers and for servers with images off); every label arrives already
 * localized and formatted, so this module knows nothing about Discord or languages.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Canvas, createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

export const FONT_FAMILY = 'Noto Sans KR';

export interface BalanceCard {
  kind: 'balance';
  /** Seeds the avatar colour. */
  userId: string;
  name: string;
  labels: { balance: string; lifetime: string; rank: string };
  balance: string;
  lifetime: string;
  rank: string;
  /** The current tier's role name, when tiers exist and one is reached. */
  tier: string | null;
  /** Progress toward the next tier: the bar fills `fraction`, `text` says what is left. */
  progress: { fraction: number; text: string } | null;
  /** The running season and the member's place on it ("Winter · #2"), under the rank; absent when none. */
  season?: string | null;
  /** The member's streak ("Streak 5 · best 9"), under the season line; absent when they never had one. */
  streak?: string | null;
}

export interface LeaderboardCard {
  kind: 'leaderboard';
  title: string;
  subtitle: string;
  rows: { rank: number; name: string; score: number; scoreText: string; highlight: boolean }[];
  /** Shown under the rows: the caller's own rank. */
  footer: string;
}

export type Card = BalanceCard | LeaderboardCard;

export const BALANCE_SIZE = { width: 800, height: 300 } as const;
export const LEADERBOARD_WIDTH = 800;
const ROW_HEIGHT = 48;
const LEADERBOARD_TOP = 104;
const LEADERBOARD_BOTTOM = 56;

/** The size a card renders at (tests check the PNG against it). */
export function cardSize(card: Card): { width: number; height: number } {
  if (card.kind === 'balance') return BALANCE_SIZE;
  const rows = Math.max(1, card.rows.length);
  return { width: LEADERBOARD_WIDTH, height: LEADERBOARD_TOP + rows * ROW_HEIGHT + LEADERBOARD_BOTTOM };
}

const COLORS = {
  background: '#23243a',
  panel: 'rgba(255,255,255,0.06)',
  text: '#f4f4f8',
  muted: '#a9abc3',
  accent: '#f5a623',
  accentDim: 'rgba(245,166,35,0.25)',
  highlight: 'rgba(245,166,35,0.16)',
  medals: ['#f5c542', '#c9d1d9', '#d08a4f'] as const,
};

let fontsReady = false;

/** Registers the Noto Sans KR regular and bold faces once per thread. */
export function ensureFonts(): void {
  if (fontsReady) return;
  const require = createRequire(import.meta.url);
  const base = dirname(require.resolve('@expo-google-fonts/noto-sans-kr/package.json'));
  for (const face of ['400Regular/NotoSansKR_400Regular.ttf', '700Bold/NotoSansKR_700Bold.ttf']) {
    if (!GlobalFonts.registerFromPath(join(base, face), FONT_FAMILY)) {
      throw new Error(`could not load the card font ${face}`);
    }
  }
  fontsReady = true;
}

/**
 * Draws a card and encodes it as PNG. Drawing runs on the calling thread (about a
 * millisecond once the font is warm); PNG encoding, the expensive part, runs on libuv's
 * thread pool through the async `encode`, so the event loop is not held.
 */
export async function renderCard(card: Card): Promise<Buffer> {
  return drawCard(card).encode('png');
}

/**
 * The drawing half of renderCard. With `canvases`, a canvas of the card's size is taken
 * from it (reset, so nothing of the last card shows) or added to it: a canvas's pixels are
 * native memory that V8 does not see, so a fresh canvas per card let a render worker grow
 * by about 2 MB per card until the next garbage collection (over 100 MB in bursts).
 */
export function drawCard(card: Card, canvases?: Map<string, Canvas>): Canvas {
  ensureFonts();
  const { width, height } = cardSize(card);
  const size = `${width}x${height}`;
  let canvas = canvases?.get(size);
  if (canvas) canvas.getContext('2d').reset();
  else {
    canvas = createCanvas(width, height);
    canvases?.set(size, canvas);
  }
  const ctx = canvas.getContext('2d');
  background(ctx, width, height);
  if (card.kind === 'balance') drawBalance(ctx, card);
  else drawLeaderboard(ctx, card);
  return canvas;
}

function font(size: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${size}px "${FONT_FAMILY}"`;
}

/**
 * Flat colours on purpose: a gradient made PNG encoding six times slower (the deflate
 * step cannot compress smoothly varying pixels), for a card shown at chat size.
 */
function background(ctx: SKRSContext2D, width: number, height: number): void {
  ctx.fillStyle = COLORS.background;
  roundRect(ctx, 0, 0, width, height, 24);
  ctx.fill();
  ctx.save();
  ctx.clip();
  ctx.fillStyle = COLORS.accent;
  ctx.fillRect(0, 0, 10, height);
  ctx.restore();
}

function roundRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number): void {
  const radius = Math.min(r, w / 2, h / 2);
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, radius);
}

/** Names may carry emoji the font lacks; they would draw as empty boxes. */
export function printable(text: string): string {
  const cleaned = text
    .replace(/[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || '?';
}

/** Shortens `text` with an ellipsis until it fits `maxWidth` in the current font. */
function fit(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(chars.slice(0, mid).join('') + '…').width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + '…';
}

function avatarColor(seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h}, 55%, 48%)`;
}

function drawBalance(ctx: SKRSContext2D, card: BalanceCard): void {
  const { width, height } = BALANCE_SIZE;
  const name = printable(card.name);
  // Avatar: the first letter on a colour of the member's own.
  const cx = 92;
  const cy = 96;
  ctx.fillStyle = avatarColor(card.userId);
  ctx.beginPath();
  ctx.arc(cx, cy, 52, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.font = font(48, true);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText([...name][0]!.toUpperCase(), cx, cy + 2);

  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = COLORS.text;
  ctx.font = font(38, true);
  ctx.fillText(fit(ctx, name, 390), 168, 92);
  if (card.tier) {
    ctx.font = font(20, true);
    const label = fit(ctx, card.tier, 380);
    const w = ctx.measureText(label).width + 28;
    ctx.fillStyle = COLORS.accentDim;
    roundRect(ctx, 168, 108, w, 34, 17);
    ctx.fill();
    ctx.fillStyle = COLORS.accent;
    ctx.fillText(label, 182, 132);
  }

  // Rank, top right.
  ctx.textAlign = 'right';
  ctx.fillStyle = COLORS.muted;
  ctx.font = font(20);
  ctx.fillText(card.labels.rank, width - 40, 60);
  ctx.fillStyle = COLORS.accent;
  ctx.font = font(card.rank.length > 6 ? 28 : 44, true);
  ctx.fillText(fit(ctx, card.rank, 170), width - 40, 108);
  if (card.season) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(18);
    ctx.fillText(fit(ctx, printable(card.season), 190), width - 40, 140);
  }
  if (card.streak) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(18);
    ctx.fillText(fit(ctx, printable(card.streak), 190), width - 40, card.season ? 164 : 140);
  }

  // Balance and lifetime.
  ctx.textAlign = 'left';
  const panelY = 190;
  for (const [i, [label, value]] of [
    [card.labels.balance, card.balance],
    [card.labels.lifetime, card.lifetime],
  ].entries()) {
    const x = 40 + i * 370;
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(18);
    ctx.fillText(label!, x, panelY);
    ctx.fillStyle = COLORS.text;
    ctx.font = font(30, true);
    ctx.fillText(fit(ctx, value!, 340), x, panelY + 38);
  }

  if (card.progress) {
    const barY = height - 34;
    const barW = width - 80;
    ctx.fillStyle = COLORS.panel;
    roundRect(ctx, 40, barY, barW, 14, 7);
    ctx.fill();
    const fraction = Math.min(1, Math.max(0, card.progress.fraction));
    if (fraction > 0) {
      ctx.fillStyle = COLORS.accent;
      roundRect(ctx, 40, barY, Math.max(14, barW * fraction), 14, 7);
      ctx.fill();
    }
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(16);
    ctx.textAlign = 'right';
    ctx.fillText(fit(ctx, card.progress.text, barW), width - 40, barY - 10);
    ctx.textAlign = 'left';
  }
}

function drawLeaderboard(ctx: SKRSContext2D, card: LeaderboardCard): void {
  const { width, height } = cardSize(card);
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = COLORS.text;
  ctx.font = font(32, true);
  ctx.fillText(fit(ctx, card.title, width - 80), 40, 56);
  ctx.fillStyle = COLORS.muted;
  ctx.font = font(18);
  ctx.fillText(fit(ctx, card.subtitle, width - 80), 40, 86);

  const max = Math.max(1, ...card.rows.map((r) => r.score));
  const nameX = 112;
  const barX = 360;
  const barW = width - barX - 40;
  card.rows.forEach((row, i) => {
    const y = LEADERBOARD_TOP + i * ROW_HEIGHT;
    if (row.highlight) {
      ctx.fillStyle = COLORS.highlight;
      roundRect(ctx, 24, y + 2, width - 48, ROW_HEIGHT - 4, 12);
      ctx.fill();
    }
    const mid = y + ROW_HEIGHT / 2;
    const medal = row.rank <= 3 ? COLORS.medals[row.rank - 1] : undefined;
    if (medal) {
      ctx.fillStyle = medal;
      ctx.beginPath();
      ctx.arc(68, mid, 17, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.textAlign = 'center';
    ctx.fillStyle = medal ? '#1f2030' : COLORS.muted;
    ctx.font = font(row.rank >= 1000 ? 14 : 18, true);
    ctx.fillText(String(row.rank), 68, mid + 7);
    ctx.textAlign = 'left';
    ctx.fillStyle = COLORS.text;
    ctx.font = font(20, row.highlight);
    ctx.fillText(fit(ctx, printable(row.name), barX - nameX - 16), nameX, mid + 7);
    ctx.fillStyle = COLORS.panel;
    roundRect(ctx, barX, mid - 9, barW, 18, 9);
    ctx.fill();
    ctx.fillStyle = COLORS.accent;
    roundRect(ctx, barX, mid - 9, Math.max(18, (barW * row.score) / max), 18, 9);
    ctx.fill();
    ctx.font = font(15, true);
    ctx.fillStyle = '#1f2030';
    const label = fit(ctx, row.scoreText, barW - 24);
    const labelW = ctx.measureText(label).width;
    const inside = (barW * row.score) / max >= labelW + 24;
    ctx.fillStyle = inside ? '#1f2030' : COLORS.text;
    ctx.fillText(label, inside ? barX + 12 : barX + Math.max(18, (barW * row.score) / max) + 10, mid + 5);
  });
  if (card.rows.length === 0) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = font(20);
    ctx.fillText('—', 40, LEADERBOARD_TOP + ROW_HEIGHT / 2 + 7);
  }
  ctx.fillStyle = COLORS.muted;
  ctx.font = font(18, true);
  ctx.fillText(fit(ctx, card.footer, width - 80), 40, height - 22);
}
