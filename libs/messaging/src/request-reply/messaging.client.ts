import {
  MessagingErrorCode,
  SERVICE_NAMES,
  type ErrorReply,
  type Reply,
  type RequestContext,
  type RequestEnvelope,
  type RequestOf,
  type ResponseOf,
  type Subject,
} from '@llmlab/contracts';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';

export interface RequestOptions {
  /** How long to wait for the reply; defaults to the client's `defaultTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * The gateway's side of request/reply: typed by the subject, and it never throws for a transport failure.
 * No responder and timeouts come back as coded error replies, so the edge maps every failure in one place.
 */
export class MessagingClient implements OnApplicationShutdown {
  private readonly logger = new Logger(MessagingClient.name);

  constructor(
    private readonly proxy: ClientProxy,
    private readonly defaultTimeoutMs = 5_000,
  ) {}

  async request<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: RequestContext,
    options: RequestOptions = {},
  ): Promise<Reply<ResponseOf<S>>> {
    const envelope: RequestEnvelope<RequestOf<S>> = { context, payload };
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const service = serviceOf(subject.subject);
    let reply: unknown;
    try {
      reply = await firstValueFrom(this.proxy.send<unknown>(subject.subject, envelope).pipe(timeout({ first: timeoutMs })));
    } catch (err) {
      if (err instanceof TimeoutError) {
        this.logger.warn(`${subject.subject} timed out after ${timeoutMs} ms (correlation id ${context.correlationId})`);
        return failure({
          code: MessagingErrorCode.ServiceTimeout,
          message: `the ${service} service did not answer within ${timeoutMs} ms`,
        });
      }
      // Nest's own exception filter answered: a handler threw outside handleRequest, so it did run.
      if (typeof err === 'object' && err !== null && !(err instanceof Error)) {
        this.logger.error(`${subject.subject} failed in the service (correlation id ${context.correlationId}): ${describe(err)}`);
        return failure({ code: MessagingErrorCode.InternalError, message: 'internal error' });
      }
      // No responder, a subscriber without a handler for the subject (a string), or no NATS connection: nothing
      // ran, and the caller can only retry later.
      this.logger.warn(`${subject.subject} unavailable (correlation id ${context.correlationId}): ${describe(err)}`);
      return failure({
        code: MessagingErrorCode.ServiceUnavailable,
        message: `the ${service} service is unavailable`,
      });
    }
    if (!isReply(reply)) {
      this.logger.error(`${subject.subject} answered something that is not a Reply (correlation id ${context.correlationId})`);
      return failure({ code: MessagingErrorCode.BadServiceReply, message: `the ${service} service answered badly` });
    }
    return reply as Reply<ResponseOf<S>>;
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

export interface MessagingClientOptions {
  servers: string | string[];
  /** Connection name shown by the NATS server's monitoring (e.g. `gateway`). */
  name?: string;
  defaultTimeoutMs?: number;
}

export function createMessagingClient(options: MessagingClientOptions): MessagingClient {
  const proxy = ClientProxyFactory.create({
    transport: Transport.NATS,
    options: { servers: options.servers, name: options.name },
  });
  return new MessagingClient(proxy, options.defaultTimeoutMs);
}

/**
 * Subjects are `<service>.<cmd|query>.<name>` (contracts/), possibly behind a deployment prefix, so the owner
 * is the first token that names a service.
 */
export function serviceOf(subject: string): string {
  const tokens = subject.split('.');
  return tokens.find((t) => (SERVICE_NAMES as readonly string[]).includes(t)) ?? tokens[0];
}

function failure(error: ErrorReply): { ok: false; error: ErrorReply } {
  return { ok: false, error };
}

function isReply(value: unknown): value is Reply<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return JSON.stringify(err);
}
