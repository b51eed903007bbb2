export * from './blob-store.js';
export * from './storage.errors.js';
export * from './local-store.js';
export * from './s3-store.js';
export * from './create.js';
