export * from './roles';
export * from './api-key-format';
export * from './auth.events';
export * from './auth.messages';
export * from './auth.subjects';
export * from './auth.cache';
export * from './auth.errors';
export * from './client-ip';
