export * from './envelope';
export * from './messaging';
export * from './services';
export * from './health';
