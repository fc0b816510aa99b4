export * from './usage-event';
export * from './usage-event.validation';
export * from './pricing';
export * from './ingestion.events';
export * from './ingestion.messages';
export * from './ingestion.subjects';
export * from './ingestion.errors';
export * from './usage-import';
