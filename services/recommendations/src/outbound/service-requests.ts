import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { RequestContext, RequestOf, ResponseOf, Subject } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { SERVICE_CONFIG, type DomainServiceConfig } from '@llmlab/service-kit';

/**
 * Asks other services on their subjects (ingestion's price quotes, the proxy's routes). A client of its own: the
 * request/reply side of a service is a server; asking another service needs a client.
 */
@Injectable()
export class ServiceRequests implements OnApplicationShutdown {
  private readonly client: MessagingClient;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: DomainServiceConfig) {
    this.client = createMessagingClient({ servers: config.NATS_URL, name: 'llmlab-recommendations', defaultTimeoutMs: 15_000 });
  }

  /** The other service's answer; its error (coded, with its field errors) thrown as it came, `what` before the message. */
  async ask<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: RequestContext,
    what?: string,
  ): Promise<ResponseOf<S>> {
    const reply = await this.client.request({ subject: natsSubject(subject, this.config.NATS_PREFIX) } as S, payload, context);
    if (!reply.ok)
      throw new CodedError(reply.error.code, what ? `${what}: ${reply.error.message}` : reply.error.message, reply.error.errors);
    return reply.data;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
