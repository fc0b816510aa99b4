export * from './migrations';
export * from './transaction';
export * from './pool-errors';
export * from './array-literal';
