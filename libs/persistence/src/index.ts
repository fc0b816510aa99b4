export * from './migrations';
export * from './transaction';
export * from './pool-errors';
