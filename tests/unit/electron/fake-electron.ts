/**
 * A stand-in for the `electron` module, enough for the shell's modules to run under Node. Each test file gets its
 * own copy (vitest isolates modules per file): `vi.mock('electron', () => import('./fake-electron'))`.
 */
import { EventEmitter } from 'node:events';
import type { SafeStorage } from 'electron';
import { vi, type Mock } from 'vitest';

type Listener = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Fires a listener the way Electron does: an event object whose preventDefault() is recorded. */
export function electronEvent<T extends object>(extra: T = {} as T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = {
    ...extra,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeFrame {
  parent: FakeFrame | null = null;
  constructor(public url: string) {}
}

export class FakeSession {
  permissionRequest: Listener | null = null;
  permissionCheck: Listener | null = null;
  setPermissionRequestHandler(handler: Listener) {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: Listener) {
    this.permissionCheck = handler;
  }
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  session = new FakeSession();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send: Mock = vi.fn();
  destroyed = false;
  constructor(url = 'about:blank') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  getURL() {
    return this.mainFrame.url;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  webContents = new FakeWebContents();
  visible = false;
  maximized = false;
  minimized = false;
  destroyed = false;
  bounds: { x: number; y: number; width: number; height: number };
  loaded: { file?: string; url?: string } = {};
  constructor(public options: Record<string, any>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super();
    this.bounds = { x: options['x'] ?? 0, y: options['y'] ?? 0, width: options['width'], height: options['height'] };
    BrowserWindow.instances.push(this);
  }
  async loadFile(file: string) {
    this.loaded = { file };
    this.webContents.mainFrame.url = new URL(`file://${file}`).href;
  }
  async loadURL(url: string) {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** Like a user closing the window: listeners may prevent it. */
  close() {
    const event = electronEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
    }
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  paths: Record<string, string> = { appData: '/tmp/fake-app-data' };
  singleInstance = true;
  readyResolve!: () => void;
  ready = new Promise<void>((resolve) => (this.readyResolve = resolve));
  quit = vi.fn(() => {
    const event = electronEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.quitted = true;
  });
  quitted = false;
  exit: Mock = vi.fn();
  setAsDefaultProtocolClient = vi.fn(() => true);
  setAppUserModelId: Mock = vi.fn();
  getPath(name: string) {
    const p = this.paths[name];
    if (!p) throw new Error(`fake app has no path ${name}`);
    return p;
  }
  setPath(name: string, value: string) {
    this.paths[name] = value;
  }
  getVersion() {
    return '9.9.9-test';
  }
  requestSingleInstanceLock() {
    return this.singleInstance;
  }
  whenReady() {
    return this.ready;
  }
}

export const app = new FakeApp();

export const ipcMain = {
  handlers: new Map<string, Listener>(),
  handle(channel: string, handler: Listener) {
    // Electron refuses a second handler for the same channel; so does the fake
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
};

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  registerSchemesAsPrivileged(schemes: unknown[]) {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response> | Response) {
    this.handlers.set(scheme, handler);
  },
};

export class Tray extends EventEmitter {
  static instances: Tray[] = [];
  menu: { template: any[] } | null = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  tooltip = '';
  destroyed = false;
  constructor(public image: unknown) {
    super();
    Tray.instances.push(this);
  }
  setContextMenu(menu: { template: any[] }) { // eslint-disable-line @typescript-eslint/no-explicit-any
    this.menu = menu;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  destroy() {
    this.destroyed = true;
  }
}

export const Menu = {
  buildFromTemplate: (template: unknown[]) => ({ template }),
};

export const nativeImage = {
  createFromPath: (path: string) => ({ path }),
};

export class Notification extends EventEmitter {
  static instances: Notification[] = [];
  static isSupported = () => true;
  shown = false;
  constructor(public options: { title: string; body: string }) {
    super();
    Notification.instances.push(this);
  }
  show() {
    this.shown = true;
  }
}

export const shell: { openExternal: Mock<(url: string) => Promise<void>>; showItemInFolder: Mock } = {
  openExternal: vi.fn(async () => {}),
  showItemInFolder: vi.fn(),
};

type MessageBoxAnswer = { response: number; checkboxChecked: boolean };
export const dialog: { showErrorBox: Mock; showMessageBox: Mock<(...args: unknown[]) => Promise<MessageBoxAnswer>> } = {
  showErrorBox: vi.fn(),
  showMessageBox: vi.fn(async () => ({ response: 0, checkboxChecked: false })),
};

export const safeStorage = {
  isEncryptionAvailable: vi.fn(() => false),
  getSelectedStorageBackend: vi.fn((): ReturnType<SafeStorage['getSelectedStorageBackend']> => 'unknown'),
  encryptString: vi.fn((plain: string) => Buffer.from(`sealed:${Buffer.from(plain).toString('base64')}`)),
  decryptString: vi.fn((sealed: Buffer) => {
    const text = sealed.toString();
    if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(text.slice('sealed:'.length), 'base64').toString();
  }),
};

export const clipboard = {
  text: '',
  readText: vi.fn(async () => clipboard.text),
};

export const screen = {
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  getAllDisplays: () => screen.displays,
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    this.exposed.set(key, api);
  },
};

export const ipcRenderer: { on: Mock; invoke: Mock } = {
  on: vi.fn(),
  invoke: vi.fn(async () => ({ ok: true, result: null })),
};
