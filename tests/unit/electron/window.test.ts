import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, electronEvent, FakeWebContents, screen, shell } from './fake-electron';
import { tempDir } from '../../support/engine';
import { createMainWindow, guardWebContents } from '../../../src/main/window';
import { appPage, type AppPage } from '../../../src/main/page';
import { clampWindowState, DEFAULT_SIZE, MIN_SIZE, readWindowState, writeWindowState } from '../../../src/main/window-state';

vi.mock('electron', () => import('./fake-electron'));

const RENDERER = '/opt/ClipHarbor/resources/app.asar/out/renderer/index.html';
const page: AppPage = appPage(RENDERER, undefined);
const OWN = `file://${RENDERER}`;

function open(stateFile: string, p: AppPage = page) {
  return createMainWindow({ page: p, preload: '/app/out/preload/index.js', icon: '/app/resources/icon.png', stateFile, onStateError: () => {} });
}

beforeEach(() => {
  BrowserWindow.instances = [];
  shell.openExternal.mockClear();
  screen.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('main window', () => {
  it('is isolated, sandboxed, without Node, with web security and our preload, and shows when ready', () => {
    const win = open(path.join(tempDir('win'), 'window-state.json')) as unknown as BrowserWindow;
    expect(win.options['webPreferences']).toEqual({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(win.options['show']).toBe(false);
    expect(win.loaded).toEqual({ file: RENDERER });
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });

  it('loads the dev server when electron-vite runs one', () => {
    const win = open(path.join(tempDir('win'), 'w.json'), appPage(RENDERER, 'http://localhost:5173/')) as unknown as BrowserWindow;
    expect(win.loaded).toEqual({ url: 'http://localhost:5173/' });
  });

  it('grants the page fullscreen (the player) and nothing else; other pages get nothing', () => {
    const win = open(path.join(tempDir('win'), 'w.json')) as unknown as BrowserWindow;
    const { session } = win.webContents;
    const ask = (permission: string, requestingUrl: string) => {
      const callback = vi.fn();
      session.permissionRequest!(win.webContents, permission, callback, { requestingUrl, isMainFrame: true });
      return callback.mock.calls[0]![0] as boolean;
    };
    expect(ask('fullscreen', OWN)).toBe(true);
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'hid']) {
      expect(ask(permission, OWN)).toBe(false);
    }
    expect(ask('fullscreen', 'https://evil.example/')).toBe(false);
    expect(session.permissionCheck!(win.webContents, 'clipboard-read', 'file://', { requestingUrl: OWN, isMainFrame: true })).toBe(false);
    expect(session.permissionCheck!(win.webContents, 'fullscreen', 'file://', { requestingUrl: OWN, isMainFrame: true })).toBe(true);
  });

  it('saves its bounds on close and after resizing settles, and comes back there', async () => {
    vi.useFakeTimers();
    const file = path.join(tempDir('win'), 'window-state.json');
    const win = open(file) as unknown as BrowserWindow;
    win.bounds = { x: 100, y: 50, width: 1000, height: 700 };
    win.emit('resize');
    win.emit('resize');
    expect(fs.existsSync(file)).toBe(false);
    await vi.advanceTimersByTimeAsync(600);
    expect(readWindowState(file)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: false });

    win.maximized = true;
    win.close();
    expect(readWindowState(file)).toMatchObject({ maximized: true });

    const again = open(file) as unknown as BrowserWindow;
    expect(again.options).toMatchObject({ x: 100, y: 50, width: 1000, height: 700 });
    expect(again.maximized).toBe(false);
    again.emit('ready-to-show');
    expect(again.maximized).toBe(true);
  });

  it('moves a window saved on a display that is gone back onto the screen', () => {
    const file = path.join(tempDir('win'), 'window-state.json');
    writeWindowState(file, { x: 2500, y: 100, width: 1000, height: 700, maximized: false });
    const win = open(file) as unknown as BrowserWindow;
    expect(win.options['x']).toBeUndefined();
    expect(win.options).toMatchObject({ width: 1000, height: 700 });
  });
});

describe('web contents guards', () => {
  function guarded(p: AppPage = page) {
    const contents = new FakeWebContents(OWN);
    guardWebContents(contents as never, p);
    return contents;
  }

  it('stays on its own page: other navigations are stopped, and web links open in the browser instead', () => {
    const contents = guarded();
    const navigate = (url: string) => {
      const event = electronEvent({ url });
      contents.emit('will-navigate', event, url);
      return event.defaultPrevented;
    };
    expect(navigate(`${OWN}#/gallery`)).toBe(false);
    expect(navigate('https://example.com/page')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://example.com/page');
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('file:///opt/ClipHarbor/resources/app.asar/out/renderer/other.html')).toBe(true);
    expect(navigate('javascript:alert(1)')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('stops redirects away from the page and never follows them outside', () => {
    const contents = guarded();
    const event = electronEvent({ url: 'https://example.com/' });
    contents.emit('will-redirect', event, 'https://example.com/');
    expect(event.defaultPrevented).toBe(true);
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('in development, the dev server origin is the own page', () => {
    const contents = guarded(appPage(RENDERER, 'http://localhost:5173/'));
    const own = electronEvent({ url: 'http://localhost:5173/index.html' });
    contents.emit('will-navigate', own, own.url);
    expect(own.defaultPrevented).toBe(false);
    const other = electronEvent({ url: 'http://localhost:8080/' });
    contents.emit('will-navigate', other, other.url);
    expect(other.defaultPrevented).toBe(true);
  });

  it('denies every window.open and hands only http(s) links to the system browser', () => {
    const contents = guarded();
    const cases: Array<[string, string | null]> = [
      ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
      ['http://example.com/', 'http://example.com/'],
      ['file:///etc/passwd', null],
      ['javascript:alert(1)', null],
      ['smb://server/share', null],
      ['clipharbor-media://item/1/media', null],
      ['ms-msdt:/id PCWDiagnostic', null],
      ['not a url', null],
    ];
    for (const [url, opened] of cases) {
      shell.openExternal.mockClear();
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
      if (opened) expect(shell.openExternal).toHaveBeenCalledWith(opened);
      else expect(shell.openExternal).not.toHaveBeenCalled();
    }
  });

  it('refuses to attach webviews', () => {
    const contents = guarded();
    const event = electronEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('window state', () => {
  const screenArea = { x: 0, y: 0, width: 1920, height: 1040 };

  it('defaults to a centred window of the default size', () => {
    expect(clampWindowState(null, [screenArea])).toEqual({ ...DEFAULT_SIZE, maximized: false });
  });

  it('keeps a window that fits where it was', () => {
    const saved = { x: 200, y: 100, width: 1000, height: 700, maximized: true };
    expect(clampWindowState(saved, [screenArea])).toEqual(saved);
  });

  it('pulls a window that hangs off the edge fully onto its display', () => {
    expect(clampWindowState({ x: 1500, y: 900, width: 1000, height: 700, maximized: false }, [screenArea])).toEqual({
      x: 920,
      y: 340,
      width: 1000,
      height: 700,
      maximized: false,
    });
  });

  it('shrinks a window larger than the display, but not below the minimum size', () => {
    const small = { x: 0, y: 0, width: 1280, height: 600 };
    expect(clampWindowState({ x: 0, y: 0, width: 3000, height: 2000, maximized: false }, [small])).toMatchObject({ width: 1280, height: 600 });
    expect(clampWindowState({ x: 10, y: 10, width: 100, height: 50, maximized: false }, [screenArea])).toMatchObject(MIN_SIZE);
  });

  it('centres a window whose display is gone, or of which only a sliver shows', () => {
    const gone = clampWindowState({ x: -3000, y: 0, width: 1000, height: 700, maximized: false }, [screenArea]);
    expect(gone).toEqual({ width: 1000, height: 700, maximized: false });
    const sliver = clampWindowState({ x: 1900, y: 100, width: 1000, height: 700, maximized: false }, [screenArea]);
    expect(sliver.x).toBeUndefined();
  });

  it('stays on the second display it was on, in that display’s coordinates', () => {
    const left = { x: -1280, y: 0, width: 1280, height: 984 };
    expect(clampWindowState({ x: -1200, y: 50, width: 1000, height: 700, maximized: false }, [screenArea, left])).toEqual({
      x: -1200,
      y: 50,
      width: 1000,
      height: 700,
      maximized: false,
    });
  });

  it('reads a damaged or foreign file as no state', () => {
    const dir = tempDir('state');
    const file = path.join(dir, 's.json');
    fs.writeFileSync(file, '{"width": "wide"');
    expect(readWindowState(file)).toBeNull();
    fs.writeFileSync(file, JSON.stringify({ width: -5, height: 10 }));
    expect(readWindowState(file)).toBeNull();
    expect(readWindowState(path.join(dir, 'missing.json'))).toBeNull();
  });
});
