export * from './merkle';
export * from './tree-head';
export * from './event-encoding';
