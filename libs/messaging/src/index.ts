export * from './coded-error';
export * from './request-reply/messaging.client';
export * from './request-reply/request-handler';
export * from './request-reply/nats-microservice.options';
export * from './jetstream/streams';
export * from './relay/event-relay';
export * from './consumer/run-consumer';
export * from './projection/apply-in-transaction';
