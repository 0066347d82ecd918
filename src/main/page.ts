/**
 * Which page the app window may show and which links may leave the app. Plain functions, so the rules the
 * navigation guards and the IPC sender check rely on are tested under Node.
 */
import { pathToFileURL } from 'node:url';
import { checkUrl } from '../shared/url';

/** The built renderer (index.html on disk), or the electron-vite dev server during `electron-vite dev`. */
export type AppPage = { kind: 'file'; file: string } | { kind: 'dev'; url: string };

export function appPage(rendererFile: string, devServerUrl: string | undefined): AppPage {
  return devServerUrl ? { kind: 'dev', url: devServerUrl } : { kind: 'file', file: rendererFile };
}

/** Query and hash are ignored (the renderer may route with them); anything else must match exactly. */
export function isOwnPage(page: AppPage, target: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (page.kind === 'dev') return url.origin === new URL(page.url).origin;
  const own = pathToFileURL(page.file);
  return url.protocol === 'file:' && url.host === own.host && url.pathname === own.pathname;
}

/** The link to hand to the system browser, or null: only http(s) links, checked like every other URL. */
export function externalUrl(target: string): string | null {
  const checked = checkUrl(target);
  return checked.ok ? checked.url : null;
}

/**
 * The one permission the app's page may get: fullscreen, for the Gallery's player. Everything else (camera,
 * notifications from the page, clipboard reads, geolocation…) is refused, and nothing is granted to other pages.
 */
export function permissionAllowed(permission: string, requestingUrl: string, page: AppPage): boolean {
  return permission === 'fullscreen' && isOwnPage(page, requestingUrl);
}
