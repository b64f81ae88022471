import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';

function capture(secrets?: string[]) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    ...(secrets ? { secrets } : {}),
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as never);
        done();
      },
    }),
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('logs without any secret to scrub (a script, a test, a worker)', () => {
    const { logger, lines } = capture();
    logger.info({ n: 1 }, 'hello');
    expect(lines).toMatchObject([{ msg: 'hello', n: 1, app: 'sparks' }]);
  });

  it('scrubs each secret out of messages', () => {
    const { logger, lines } = capture(['a-secret-of-the-test']);
    logger.info('token a-secret-of-the-test leaked');
    expect(lines[0]!.msg).toBe('token [REDACTED] leaked');
  });
});
