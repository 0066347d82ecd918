import type { PreloadApi } from '../../../shared/wire';
import { createHttpClient } from './http';
import { createIpcClient } from './ipc';
import type { AppClient } from './types';

declare global {
  interface Window {
    /** Set by the desktop preload; absent when the app is served to a browser by `clipharbor serve`. */
    clipharbor?: PreloadApi;
  }
}

/** The same app runs in the desktop window and in a browser; the transport is picked once, at start. */
export function createClient(): AppClient {
  return window.clipharbor ? createIpcClient(window.clipharbor) : createHttpClient(location.origin);
}
