import { defineSubject, MessagingErrorCode, type RequestContext } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { createMessagingClient, serveChunkStreams, type ChunkStreamServer, type MessagingClient } from '@llmlab/messaging';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ServiceReplyError } from '../http/problem';
import { ServiceClient } from './service-client';

const prefix = `t${uniqueSuffix()}`;
/** `count` chunks `part-<i>`; `failAt` fails the stream there with a coded error. */
const parts = defineSubject<{ count: number; failAt?: number }, Uint8Array>('ingestion.query.parts');
const nobody = defineSubject<Record<string, never>, Uint8Array>('alerts.query.nobody-answers');
const context: RequestContext = { correlationId: 'corr-chunks' };

class PartsError extends CodedError<'VALIDATION_FAILED' | 'INTERNAL_ERROR'> {}

// `ServiceClient.chunks`, which the records page is read with: the whole answer, or the coded error, never a part.
describe('ServiceClient.chunks', () => {
  let service: NatsConnection;
  let gateway: NatsConnection;
  let messaging: MessagingClient;
  let server: ChunkStreamServer;
  let client: ServiceClient;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    service = await connect({ servers: testEnv.natsUrl });
    gateway = await connect({ servers: testEnv.natsUrl });
    messaging = createMessagingClient({ servers: testEnv.natsUrl });
    server = serveChunkStreams(service, parts, { prefix, queue: 'ingestion' }, async (payload) => {
      if (!(payload.count >= 0)) throw new PartsError('VALIDATION_FAILED', 'count must be a number', [{ field: '/count', message: 'bad' }]);
      return (async function* () {
        for (let i = 0; i < payload.count; i++) {
          if (i === payload.failAt) throw new PartsError('INTERNAL_ERROR', 'the page could not be read');
          yield Buffer.from(`part-${i};`);
        }
      })();
    });
    await service.flush();
    client = new ServiceClient(messaging, 2_000, prefix, gateway);
  });

  afterAll(async () => {
    await server.stop();
    await Promise.all([service.close(), gateway.close(), messaging.close()]);
  });

  it('reads every chunk of the answer, in order', async () => {
    const chunks = await client.chunks(parts, { count: 3 }, context);
    expect(Buffer.concat(chunks).toString()).toBe('part-0;part-1;part-2;');
  });

  it('throws the coded error of a refused request, with its fields', async () => {
    const refused = client.chunks(parts, { count: 'x' as unknown as number }, context);
    await expect(refused).rejects.toBeInstanceOf(ServiceReplyError);
    await expect(refused).rejects.toMatchObject({ reply: { code: 'VALIDATION_FAILED', errors: [{ field: '/count' }] } });
  });

  it('throws the coded error of a stream that failed part-way, never what came before it', async () => {
    const failed = client.chunks(parts, { count: 3, failAt: 2 }, context);
    await expect(failed).rejects.toBeInstanceOf(ServiceReplyError);
    await expect(failed).rejects.toMatchObject({ reply: { code: 'INTERNAL_ERROR' } });
  });

  it('answers a subject nobody serves as the service being unavailable', async () => {
    await expect(client.chunks(nobody, {}, context)).rejects.toMatchObject({
      reply: { code: MessagingErrorCode.ServiceUnavailable },
    });
  });
});
