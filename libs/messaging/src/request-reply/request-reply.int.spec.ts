import { defineSubject, type RequestEnvelope } from '@llmlab/contracts';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { Controller, Logger, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CodedError } from '@llmlab/domain';
import { createMessagingClient, type MessagingClient } from './messaging.client';
import { natsMicroserviceOptions } from './nats-microservice.options';
import { handleRequest } from './request-handler';

const suffix = uniqueSuffix();
const subjects = {
  greet: defineSubject<{ name: string }, { greeting: string; replica: string }>(`t${suffix}.auth.query.greet`),
  slow: defineSubject<{ ms: number }, { waited: number }>(`t${suffix}.auth.query.slow`),
  nobody: defineSubject<Record<string, never>, never>(`t${suffix}.alerts.query.nobody`),
  unwrapped: defineSubject<Record<string, never>, never>(`t${suffix}.auth.query.unwrapped`),
};

class GreetingError extends CodedError<'NAME_MISSING'> {}

function greeterModule(replica: string) {
  @Controller()
  class GreeterController {
    @MessagePattern(subjects.greet.subject)
    greet(@Payload() envelope: RequestEnvelope<{ name: string }>) {
      return handleRequest(subjects.greet, envelope, ({ name }, context) => {
        if (!name) throw new GreetingError('NAME_MISSING', 'a name is required', [{ field: '/name', message: 'empty' }]);
        return { greeting: `hello ${name} (${context.correlationId})`, replica };
      });
    }

    @MessagePattern(subjects.unwrapped.subject)
    unwrapped() {
      throw new Error('thrown outside handleRequest');
    }

    @MessagePattern(subjects.slow.subject)
    slow(@Payload() envelope: RequestEnvelope<{ ms: number }>) {
      return handleRequest(subjects.slow, envelope, async ({ ms }) => {
        await new Promise((r) => setTimeout(r, ms));
        return { waited: ms };
      });
    }
  }
  @Module({ controllers: [GreeterController] })
  class GreeterModule {}
  return GreeterModule;
}

async function startReplica(replica: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(greeterModule(replica), {
    ...natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `auth-${suffix}`, prefix: '', gracePeriodMs: 50 }),
    logger: false,
  });
  await app.listen();
  return app;
}

describe('request/reply over core NATS', () => {
  let replicas: INestMicroservice[];
  let client: MessagingClient;
  const context = { correlationId: 'corr-1', actor: { type: 'user' as const, id: 'u-1' } };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    replicas = [await startReplica('a'), await startReplica('b')];
    client = createMessagingClient({ servers: testEnv.natsUrl, name: 'test-gateway', defaultTimeoutMs: 2_000 });
  });

  afterAll(async () => {
    await client.close();
    await Promise.all(replicas.map((r) => r.close()));
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('answers an ok reply carrying the typed data and the caller context', async () => {
    const reply = await client.request(subjects.greet, { name: 'ada' }, context);
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.data.greeting).toBe('hello ada (corr-1)');
  });

  it('answers a coded error reply for a coded error thrown by the handler', async () => {
    const reply = await client.request(subjects.greet, { name: '' }, context);
    expect(reply).toEqual({
      ok: false,
      error: { code: 'NAME_MISSING', message: 'a name is required', errors: [{ field: '/name', message: 'empty' }] },
    });
  });

  it('answers a bare 500 when a handler threw outside handleRequest', async () => {
    const reply = await client.request(subjects.unwrapped, {}, context);
    expect(reply).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
  });

  it('turns no responder into SERVICE_UNAVAILABLE naming the service, at once', async () => {
    const started = Date.now();
    const reply = await client.request(subjects.nobody, {}, context, { timeoutMs: 1_500 });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'SERVICE_UNAVAILABLE', message: 'the alerts service is unavailable' },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('turns a reply later than the timeout into SERVICE_TIMEOUT', async () => {
    const reply = await client.request(subjects.slow, { ms: 1_000 }, context, { timeoutMs: 200 });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'SERVICE_TIMEOUT', message: 'the auth service did not answer within 200 ms' },
    });
  });

  it('shares the requests between the replicas of one queue group, each answered once', async () => {
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => client.request(subjects.greet, { name: `n${i}` }, context)));
    const byReplica = new Map<string, number>();
    for (const reply of replies) {
      if (!reply.ok) throw new Error(reply.error.message);
      byReplica.set(reply.data.replica, (byReplica.get(reply.data.replica) ?? 0) + 1);
    }
    expect([...byReplica.keys()].sort()).toEqual(['a', 'b']);
    expect(byReplica.get('a')! + byReplica.get('b')!).toBe(60);
    expect(Math.min(...byReplica.values())).toBeGreaterThan(5);
  });
});
