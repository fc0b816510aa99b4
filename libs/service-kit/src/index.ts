export * from './bootstrap';
export * from './event-metadata';
export * from './runtime';
export * from './service-kit.module';
export * from './tokens';
export * from './prisma-read-models.module';
export * from './background-worker';
export * from './command-runner';
