export * from './pricing.errors';
export * from './price-entry';
export * from './provider-names';
export * from './price-catalog';
export * from './cost-calculator';
export * from './usage-normalizer';
export * from './genai-prices.seed';
