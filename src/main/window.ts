/** The app window and the guards every web contents gets: no navigation away, no pop-ups, no webviews. */
import { BrowserWindow, screen, shell, type WebContents } from 'electron';
import { externalUrl, isOwnPage, permissionAllowed, type AppPage } from './page';
import { clampWindowState, MIN_SIZE, readWindowState, writeWindowState } from './window-state';

const SAVE_DELAY_MS = 500;

export interface MainWindowOptions {
  page: AppPage;
  preload: string;
  icon: string;
  stateFile: string;
  onStateError: (err: unknown) => void;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const state = clampWindowState(
    readWindowState(opts.stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'ClipHarbor',
    icon: opts.icon,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // maximize() shows the window too, so it waits for the first paint like show() does
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  trackWindowState(win, opts.stateFile, opts.onStateError);

  const { session } = win.webContents;
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl, opts.page)),
  );
  session.setPermissionCheckHandler((contents, permission, _origin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? contents?.getURL() ?? '', opts.page),
  );

  if (opts.page.kind === 'dev') void win.loadURL(opts.page.url);
  else void win.loadFile(opts.page.file);
  return win;
}

/**
 * Installed on every web contents the app creates (`web-contents-created`), so a future window or frame cannot
 * forget it. A click on an ordinary web link opens it in the system browser instead of inside the app.
 */
export function guardWebContents(contents: WebContents, page: AppPage): void {
  contents.on('will-navigate', (event) => {
    if (isOwnPage(page, event.url)) return;
    event.preventDefault();
    openExternally(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isOwnPage(page, event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function openExternally(target: string): void {
  const url = externalUrl(target);
  if (url) void shell.openExternal(url);
}

/** Saves the normal (unmaximized) bounds, so un-maximizing after a restart returns to the size the user chose. */
function trackWindowState(win: BrowserWindow, file: string, onError: (err: unknown) => void): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    if (win.isDestroyed()) return;
    try {
      writeWindowState(file, { ...win.getNormalBounds(), maximized: win.isMaximized() });
    } catch (err) {
      onError(err);
    }
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('maximize', saveSoon);
  win.on('unmaximize', saveSoon);
  win.on('close', save);
}
