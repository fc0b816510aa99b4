export * from './aes-gcm';
export * from './master-key';
export * from './master-key.loader';
export * from './secrets';
export * from './email-lookup';
export * from './personal-field';
export * from './subject-key.store';
export * from './key-rotation';
