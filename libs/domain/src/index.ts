export * from './decider';
export * from './errors';
export * from './ids';
export * from './money';
export * from './tenancy';
export * from './utc-days';
