export { buildServer, type ServerOptions } from './app.js';
export { assertTokenForHost, MIN_PUBLIC_TOKEN_LENGTH } from './auth.js';
