export * from './event-store';
export * from './errors';
export * from './create-event-store';
export * from './postgres/postgres-event-store';
export { EVENT_STORE_NOTIFY_CHANNEL, GENESIS_HASH } from './postgres/postgres-rows';
export * from './eventstoredb/eventstoredb-event-store';
