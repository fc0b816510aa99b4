export * from './migrations';
export * from './transaction';
