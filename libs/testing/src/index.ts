export * from './test-env';
export * from './test-database';
export * from './prisma-models';
export * from './platform';
export * from './session';
export * from './decider-spec';
export * from './service-harness';
