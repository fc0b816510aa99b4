import { ServerNats, type CustomStrategy, type MessageHandler } from '@nestjs/microservices';
import { natsSubject } from '../nats-subject';

export interface NatsMicroserviceConfig {
  servers: string | string[];
  /** Queue group, one per service (`auth`): replicas of a service share its subjects instead of all answering. */
  queue: string;
  /** `NATS_PREFIX` of the deployment: every handler answers its subject under it (empty in production). */
  prefix: string;
  /** Connection name shown by the NATS server's monitoring; defaults to the queue. */
  name?: string;
  /**
   * On shutdown the server unsubscribes first, then waits this long for in-flight handlers before closing
   * the connection, so a rolling deploy drops no request.
   */
  gracePeriodMs?: number;
}

/**
 * Nest's NATS server, with every handler registered under the deployment's prefix. Controllers declare bare
 * subjects (`@MessagePattern(authSubjects.createProject.subject)`); the prefix comes from configuration when the
 * server is made, never from the environment at import time.
 */
export class PrefixedServerNats extends ServerNats {
  constructor(
    options: ConstructorParameters<typeof ServerNats>[0],
    private readonly prefix: string,
  ) {
    super(options);
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    super.addHandler(typeof pattern === 'string' ? natsSubject(pattern, this.prefix) : pattern, callback, isEventHandler, extras);
  }
}

/** `app.connectMicroservice(natsMicroserviceOptions({ servers, queue: 'auth', prefix }))` */
export function natsMicroserviceOptions(config: NatsMicroserviceConfig): CustomStrategy {
  return {
    strategy: new PrefixedServerNats(
      {
        servers: config.servers,
        queue: config.queue,
        name: config.name ?? config.queue,
        gracefulShutdown: true,
        gracePeriod: config.gracePeriodMs ?? 5_000,
      },
      config.prefix,
    ),
  };
}
