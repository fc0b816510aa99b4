import { Injectable } from '@nestjs/common';
import type { Reply, RequestContext, RequestOf, ResponseOf, Subject } from '@llmlab/contracts';
import { MessagingClient, natsSubject } from '@llmlab/messaging';
import { ServiceReplyError } from '../http/problem';

/**
 * How controllers reach the services: typed request/reply over NATS, subjects prefixed for this deployment.
 * `call` returns the data or throws the coded error for the problem filter; `ask` returns the reply as is.
 */
@Injectable()
export class ServiceClient {
  constructor(
    private readonly messaging: MessagingClient,
    private readonly defaultTimeoutMs: number,
    private readonly natsPrefix: string,
  ) {}

  ask<S extends Subject<unknown, unknown>>(subject: S, payload: RequestOf<S>, context: RequestContext, timeoutMs = this.defaultTimeoutMs) {
    const wire = { subject: natsSubject(subject, this.natsPrefix) } as S;
    return this.messaging.request(wire, payload, context, { timeoutMs }) as Promise<Reply<ResponseOf<S>>>;
  }

  async call<S extends Subject<unknown, unknown>>(subject: S, payload: RequestOf<S>, context: RequestContext): Promise<ResponseOf<S>> {
    const reply = await this.ask(subject, payload, context);
    if (!reply.ok) throw new ServiceReplyError(reply.error);
    return reply.data;
  }
}
