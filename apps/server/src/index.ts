export { createServer, openPlatform, VERSION, type Server, type Platform, type ServerOptions } from './platform.js';
export { loadConfig, type ServerConfig } from './config.js';
