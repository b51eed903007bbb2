export * from './app.js';
export * from './context.js';
export { redactUrl } from './logging.js';
export type { ZodTypeProvider } from 'fastify-type-provider-zod';
export * from './schemas.js';
