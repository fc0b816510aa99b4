export * from './decider';
export * from './command-runner';
