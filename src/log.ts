import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, wherever they appear. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'headers["webhook-signature"]',
  'req.headers["webhook-signature"]',
  'discordToken',
  '*.discordToken',
  'webhookSecret',
  '*.webhookSecret',
  'platformApiToken',
  '*.platformApiToken',
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (default: when stdout is a terminal). */
  pretty?: boolean;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
  /** Exact secret strings to scrub from any message text as a last line of defence. */
  secrets?: string[];
}

/**
 * Structured JSON logs (pretty on a TTY), with secrets redacted by path and, for the
 * configured secret values, scrubbed from messages and error texts.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[REDACTED]'), text);
  const pretty = options.pretty ?? (process.stdout.isTTY && !options.destination);
  const config: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { app: 'sparks' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    // pino refuses `hooks: undefined`: the key is there only with secrets to scrub.
    ...(secrets.length
      ? {
          hooks: {
            logMethod(args, method) {
              method.apply(
                this,
                args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>,
              );
            },
          },
        }
      : {}),
    serializers: {
      // An error may carry anything a library attached to it (a request's config with the
      // token, headers with the authorization): every string in it is scrubbed, and keys
      // that name a credential are redacted at any depth.
      err: (e: unknown) => scrubValue(pino.stdSerializers.err(e as Error), scrub, 0) as pino.SerializedError,
    },
  };
  if (options.destination) return pino(config, options.destination);
  if (pretty) return pino({ ...config, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(config);
}

/** Key names whose values are credentials wherever they appear in a logged error. */
const CREDENTIAL_KEY =
  /^(authorization|token|secret|secrets|password|discordToken|webhookSecret|platformApiToken)$/i;

/** A copy of `value` with secrets scrubbed from its strings (bounded depth and breadth). */
function scrubValue(value: unknown, scrub: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrubValue(v, scrub, depth + 1));
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 100))
    out[k] = CREDENTIAL_KEY.test(k) && v != null ? '[REDACTED]' : scrubValue(v, scrub, depth + 1);
  return out;
}

/** A logger that writes nothing (unit tests that don't look at logs). */
export const silentLogger: Logger = pino({ level: 'silent' });
