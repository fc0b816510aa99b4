export * from './envelope';
export * from './messaging';
export * from './services';
export * from './health';
export * from './auth';
export * from './ingestion';
export * from './alerts';
