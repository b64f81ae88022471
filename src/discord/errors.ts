import { DiscordAPIError, DiscordjsErrorCodes, RESTJSONErrorCodes, type Interaction } from 'discord.js';
import { isSparksError, SparksError } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { sparksErrorText, translate, type Locale } from './i18n/index.ts';
import { respond } from './reply.ts';

export type Outcome = 'ok' | 'user_error' | 'error';

/**
 * The one error path. A typed SparksError becomes an ephemeral, localized message that
 * says what to do next; anything else is logged with the interaction id and the user
 * sees only a reference to it — never a stack. Returns the outcome for logs and metrics.
 */
export async function replyWithError(
  interaction: Interaction,
  raw: unknown,
  locale: Locale,
  log: Logger,
): Promise<Outcome> {
  const error = malformedOption(raw) ?? raw;
  const outcome: Outcome = isSparksError(error) ? 'user_error' : 'error';
  if (isGone(error)) {
    // Another delivery already answered it, or it expired: there is no one to tell.
    log.warn({ err: error, interactionId: interaction.id }, 'interaction could not be answered');
    return outcome;
  }
  if (outcome === 'error')
    log.error({ err: error, interactionId: interaction.id }, 'interaction handler failed');
  try {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return outcome;
    }
    if (!interaction.isRepliable()) return outcome;
    const content = isSparksError(error)
      ? sparksErrorText(locale, error)
      : translate(locale, 'error.unexpected', { ref: interaction.id });
    await respond(interaction, { content, ephemeral: true });
  } catch (replyError) {
    log.warn({ err: replyError, interactionId: interaction.id }, 'could not deliver the error reply');
  }
  return outcome;
}

/** discord.js's refusals of an interaction whose options break the command's definition. */
const OPTION_ERRORS: ReadonlySet<string> = new Set([
  DiscordjsErrorCodes.CommandInteractionOptionNotFound,
  DiscordjsErrorCodes.CommandInteractionOptionType,
  DiscordjsErrorCodes.CommandInteractionOptionEmpty,
  DiscordjsErrorCodes.CommandInteractionOptionNoSubcommand,
  DiscordjsErrorCodes.CommandInteractionOptionNoSubcommandGroup,
]);

/**
 * A required option missing, or of the wrong type, is the sender's mistake (a client that
 * does not follow the registered command), not the bot's: the member is told which option
 * is not valid, as for any other bad value.
 */
function malformedOption(error: unknown): SparksError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !OPTION_ERRORS.has(code)) return null;
  const field = /"([^"]{1,32})"/.exec((error as Error).message)?.[1] ?? 'option';
  return new SparksError('SPARKS.INVALID_INPUT', { field });
}

function isGone(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged ||
      error.code === RESTJSONErrorCodes.UnknownInteraction)
  );
}
