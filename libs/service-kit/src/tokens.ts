/** Injection tokens of what the service kit provides to every service module. */
export const RUNTIME = Symbol('RUNTIME');
/** The service's validated configuration (`DomainServiceConfig` and its own variables). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const REDIS = Symbol('REDIS');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
