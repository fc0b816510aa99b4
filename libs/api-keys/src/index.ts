export * from './api-key.authenticator';
export * from './api-key-use.recorder';
export * from './request-client';
export * from './ttl-cache';
export * from './auth-cache-invalidations';
export * from './rate-limiter';
export * from './buffered-rate-limiter';
