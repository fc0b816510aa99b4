export * from './fake-provider-server';
export * from './fake-openai';
export * from './fake-anthropic';
