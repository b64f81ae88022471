import { AttachmentBuilder } from 'discord.js';
import type { Card } from '../cards/render.ts';
import type { Logger } from '../log.ts';
import type { Services } from '../services.ts';

/**
 * The card as an attachment, or null when rendering failed (overloaded, timed out): the
 * reply then goes without it, since the text has every fact. Callers check the guild's
 * `imagesEnabled` first (they skip other work too when images are off).
 */
export async function cardAttachment(
  services: Services,
  log: Logger,
  card: Card,
  name: string,
  description: string,
): Promise<AttachmentBuilder | null> {
  try {
    const png = await services.cards.render(card);
    return new AttachmentBuilder(png, { name, description: description.slice(0, 1024) });
  } catch (err) {
    log.warn({ err }, 'card not rendered; replying without it');
    return null;
  }
}
