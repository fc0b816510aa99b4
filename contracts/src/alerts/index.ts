export * from './alerts.messages';
export * from './alerts.events';
export * from './alerts.subjects';
export * from './alerts.errors';
