export * from './server.js';
export * from './http.js';
export * from './database.js';
export * from './session.js';
