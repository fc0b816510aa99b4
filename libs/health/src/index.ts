export * from './probes';
export * from './metrics';
