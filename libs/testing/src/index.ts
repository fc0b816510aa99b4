export * from './test-env';
export * from './test-database';
export * from './read-model-drift';
export * from './platform';
export * from './session';
export * from './decider-spec';
export * from './service-harness';
export * from './fake-providers';
