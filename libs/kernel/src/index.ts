export * from './errors.js';
export * from './rid.js';
export * from './paging.js';
export * from './config.js';
export * from './clock.js';
export * from './names.js';
