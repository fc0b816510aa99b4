import { Writable } from 'node:stream';
import { runWithContext } from './context';
import { createLogger, PinoNestLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}

describe('createLogger', () => {
  it('writes JSON with the service and the correlation id of the current context', () => {
    const { lines, logger } = capture();
    runWithContext({ correlationId: 'corr-1' }, () => logger.info({ projectId: 'p1' }, 'hello'));
    expect(lines[0]).toMatchObject({ service: 'test', correlationId: 'corr-1', projectId: 'p1', msg: 'hello', level: 'info' });
  });

  it('redacts secrets wherever they appear', () => {
    const { lines, logger } = capture();
    logger.info({
      password: 'hunter2hunter2',
      body: { refreshToken: 'rt', apiKey: 'llm_live_x' },
      req: { headers: { authorization: 'Bearer abc', 'x-api-key': 'llm_live_y' } },
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2hunter2', '"rt"', 'llm_live_x', 'Bearer abc', 'llm_live_y']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('adapts NestJS log calls, keeping the context name', () => {
    const { lines, logger } = capture();
    new PinoNestLogger(logger).warn('careful', 'RoutesResolver');
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'careful', context: 'RoutesResolver' });
  });
});
