/**
 * A card-rendering worker thread: receives `{ id, card }`, answers `{ id, png }` or
 * `{ id, error }`. Encoding is synchronous here: this thread exists to be blocked, and the
 * async encoder would queue on libuv's pool, which the whole process shares.
 */
import { parentPort } from 'node:worker_threads';
import type { Canvas } from '@napi-rs/canvas';
import { drawCard, ensureFonts, type Card } from './render.ts';

export interface RenderRequest {
  id: number;
  card: Card;
}

export type RenderReply = { id: number; png: Uint8Array } | { id: number; error: string };

const port = parentPort;
/** One canvas per card size, reused (see drawCard). */
const canvases = new Map<string, Canvas>();
if (port) {
  ensureFonts();
  port.on('message', (request: RenderRequest) => {
    let reply: RenderReply;
    try {
      reply = { id: request.id, png: drawCard(request.card, canvases).encodeSync('png') };
    } catch (e) {
      reply = { id: request.id, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}
