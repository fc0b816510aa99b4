export * from './merkle';
export * from './tree-head';
export * from './event-encoding';
export * from './export-verifier';
