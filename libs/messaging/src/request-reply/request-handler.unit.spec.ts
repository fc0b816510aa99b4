import { defineSubject, MessagingErrorCode, type RequestContext } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { IdempotencyConflictError, WrongExpectedRevisionError } from '@llmlab/event-store';
import { Logger } from '@nestjs/common';
import { serviceOf } from './messaging.client';
import { handleRequest } from './request-handler';

const rename = defineSubject<{ name: string }, { id: string; name: string }>('auth.cmd.rename-project');
const context: RequestContext = { correlationId: 'c-1' };

enum ProjectErrorCode {
  NotFound = 'PROJECT_NOT_FOUND',
}
class ProjectError extends CodedError<ProjectErrorCode> {}

describe('handleRequest', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('wraps the result and hands the handler the payload and the context', async () => {
    const reply = await handleRequest(rename, { context, payload: { name: 'n' } }, (p, ctx) => ({
      id: ctx.correlationId,
      name: p.name,
    }));
    expect(reply).toEqual({ ok: true, data: { id: 'c-1', name: 'n' } });
  });

  it('answers a coded error with its own code, message and field errors', async () => {
    const reply = await handleRequest(rename, { context, payload: { name: '' } }, async () => {
      throw new ProjectError(ProjectErrorCode.NotFound, 'project p-1 not found', [{ field: '/id', message: 'unknown' }]);
    });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'PROJECT_NOT_FOUND', message: 'project p-1 not found', errors: [{ field: '/id', message: 'unknown' }] },
    });
    expect(logged).not.toHaveBeenCalled();
  });

  it('maps the event store concurrency errors to conflict codes', async () => {
    const conflict = await handleRequest(rename, { context, payload: { name: 'n' } }, () => {
      throw new WrongExpectedRevisionError('auth.project-1', 3, 4);
    });
    expect(conflict).toMatchObject({ ok: false, error: { code: MessagingErrorCode.ConcurrencyConflict } });
    const replay = await handleRequest(rename, { context, payload: { name: 'n' } }, () => {
      throw new IdempotencyConflictError('auth.project-1', 'partial overlap');
    });
    expect(replay).toMatchObject({ ok: false, error: { code: MessagingErrorCode.IdempotencyConflict } });
  });

  it('hides an unexpected error behind a bare internal error and logs it with the correlation id', async () => {
    const reply = await handleRequest(rename, { context, payload: { name: 'n' } }, () => {
      throw new Error('connection to 10.0.0.7 refused');
    });
    expect(reply).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
    expect(JSON.stringify(reply)).not.toContain('10.0.0.7');
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('c-1'), expect.stringContaining('connection to 10.0.0.7 refused'));
  });

  it('answers 503-unavailable, never a bare 500, when the database cannot be reached (an outage, not a bug)', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const failing = (err: Error) => handleRequest(rename, { context, payload: { name: 'n' } }, () => Promise.reject(err));
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    for (const err of [
      coded('terminating connection due to administrator command', '57P01'),
      coded('the database system is starting up', '57P03'),
      coded('connection failure', '08006'),
      coded('connect ECONNREFUSED 10.0.0.7:5432', 'ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      const reply = await failing(err);
      expect(reply).toEqual({
        ok: false,
        error: { code: MessagingErrorCode.ServiceUnavailable, message: 'a database the service needs is unavailable; retry later' },
      });
      expect(JSON.stringify(reply)).not.toContain('10.0.0.7');
    }
    // A query the database refused for what it says is still a bug.
    expect(await failing(coded('syntax error at or near "SELEC"', '42601'))).toMatchObject({ error: { code: 'INTERNAL_ERROR' } });
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('c-1'));
    warned.mockRestore();
  });
});

describe('serviceOf', () => {
  it('names the owning service, with or without a deployment prefix', () => {
    expect(serviceOf('ingestion.query.cost-breakdown')).toBe('ingestion');
    expect(serviceOf('ci42.provider-sync.cmd.sync-now')).toBe('provider-sync');
  });
});

describe('handleRequest with a malformed envelope', () => {
  it('still answers an internal error rather than throwing', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const reply = await handleRequest(rename, undefined as never, (p) => ({ id: '1', name: p.name }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR' } });
    logged.mockRestore();
  });
});
