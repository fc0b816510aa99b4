export * from './audit.errors';
export * from './audit.subjects';
export * from './transparency.messages';
export * from './audit.events';
export * from './audit-index.messages';
