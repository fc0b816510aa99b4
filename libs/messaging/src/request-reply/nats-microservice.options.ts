import { Transport, type NatsOptions } from '@nestjs/microservices';

export interface NatsMicroserviceConfig {
  servers: string | string[];
  /** Queue group, one per service (`auth`): replicas of a service share its subjects instead of all answering. */
  queue: string;
  /** Connection name shown by the NATS server's monitoring; defaults to the queue. */
  name?: string;
  /**
   * On shutdown the server unsubscribes first, then waits this long for in-flight handlers before closing
   * the connection, so a rolling deploy drops no request.
   */
  gracePeriodMs?: number;
}

/** `app.connectMicroservice(natsMicroserviceOptions({ servers, queue: 'auth' }))` */
export function natsMicroserviceOptions(config: NatsMicroserviceConfig): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: config.servers,
      queue: config.queue,
      name: config.name ?? config.queue,
      gracefulShutdown: true,
      gracePeriod: config.gracePeriodMs ?? 5_000,
    },
  };
}
