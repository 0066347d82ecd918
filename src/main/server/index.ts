export { startServer, type RunningServer, type ServerOptions } from './server';
export { assertBindAllowed } from './auth';
