export * from './merkle';
export * from './tree-head';
