export * from './principal.js';
export * from './scopes.js';
export * from './roles.js';
export * from './directory.js';
export * from './resources.js';
