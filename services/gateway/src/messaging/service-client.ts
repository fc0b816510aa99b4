import { Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Reply, RequestContext, RequestOf, ResponseOf, Subject } from '@llmlab/contracts';
import {
  MessagingClient,
  natsSubject,
  openChunkStream,
  readWholeStream,
  type ChunkStream,
  type ChunkStreamOptions,
} from '@llmlab/messaging';
import { ServiceReplyError } from '../http/problem';

/**
 * How controllers reach the services: typed request/reply over NATS, subjects prefixed for this deployment.
 * `call` returns the data or throws the coded error for the problem filter; `ask` returns the reply as is;
 * `stream` opens a chunk stream (a file too large for a reply), or throws the coded error it was refused with;
 * `chunks` reads the whole of one (a JSON page the service wrote, sent on as it is).
 */
@Injectable()
export class ServiceClient {
  constructor(
    private readonly messaging: MessagingClient,
    private readonly defaultTimeoutMs: number,
    private readonly natsPrefix: string,
    /** Core NATS, for chunk streams; request/reply goes through `messaging`. */
    private readonly nats?: NatsConnection,
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

  /**
   * The chunks of a stream subject, in order, read no faster than they are taken (credit-based flow control). Throws
   * before any chunk when the service refuses the request; the stream itself throws `ChunkStreamError` when it
   * fails mid-way, and its `return()` cancels it at the service.
   */
  async stream<S extends Subject<unknown, Uint8Array>>(
    subject: S,
    payload: RequestOf<S>,
    context: RequestContext,
    options: ChunkStreamOptions = {},
  ): Promise<ChunkStream> {
    if (!this.nats) throw new Error('this ServiceClient has no NATS connection for streams');
    const reply = await openChunkStream<S>(this.nats, natsSubject(subject, this.natsPrefix), payload, context, options);
    if (!reply.ok) throw new ServiceReplyError(reply.error);
    return reply.data;
  }

  /**
   * The whole answer of a stream subject, its chunks as they came: for an answer of a bounded size (a page of
   * records, at most 1 MiB) that is sent on whole or not at all. Waits no longer than a reply would for the service;
   * throws the coded error the stream was refused with or failed with.
   */
  async chunks<S extends Subject<unknown, Uint8Array>>(subject: S, payload: RequestOf<S>, context: RequestContext): Promise<Uint8Array[]> {
    const whole = await readWholeStream(await this.stream(subject, payload, context, { idleTimeoutMs: this.defaultTimeoutMs }));
    if (!whole.ok) throw new ServiceReplyError(whole.error);
    return whole.data;
  }
}
