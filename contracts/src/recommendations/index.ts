export * from './recommendations.errors';
export * from './recommendations.events';
export * from './recommendations.messages';
export * from './recommendations.subjects';
