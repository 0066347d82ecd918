import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, FakeFrame, ipcMain } from './fake-electron';
import { makeEngine, stopAll } from '../../support/engine';
import { forwardEvents, registerIpc, senderAllowed } from '../../../src/main/ipc';
import { appPage } from '../../../src/main/page';
import { IPC_CALL_CHANNELS, IPC_EVENT_CHANNEL, type Envelope } from '../../../src/shared/wire';
import type { Engine } from '../../../src/main/engine';
import type { Logger } from '../../../src/main/engine/log';

vi.mock('electron', () => import('./fake-electron'));

const RENDERER = '/app/out/renderer/index.html';
const OWN = `file://${RENDERER}`;
const page = appPage(RENDERER, undefined);

let engine: Engine;
let win: BrowserWindow;
const log = { warn: vi.fn(), error: vi.fn() } as unknown as Logger & { warn: ReturnType<typeof vi.fn> };

beforeAll(() => {
  engine = makeEngine().engine;
  registerIpc({ engine, page, window: () => win as never, log });
  forwardEvents(engine, () => win as never);
});
afterAll(stopAll);
beforeEach(() => {
  win = new BrowserWindow({ width: 800, height: 600 });
  win.webContents.mainFrame.url = OWN;
  log.warn.mockClear();
});

/** What ipcRenderer.invoke would get back from the main process for a call from `frame`. */
async function invoke(method: string, input: unknown, frame: FakeFrame | null = win.webContents.mainFrame): Promise<Envelope<unknown>> {
  const handler = ipcMain.handlers.get(`clipharbor:call:${method}`);
  if (!handler) throw new Error(`no handler for ${method}`);
  return (await handler({ senderFrame: frame, sender: win.webContents }, input)) as Envelope<unknown>;
}

describe('IPC binding', () => {
  it('handles exactly one channel per contract method and nothing else', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...IPC_CALL_CHANNELS].sort());
  });

  it('runs a call from the window on the real engine and answers with an envelope', async () => {
    const updated = await invoke('settings.update', { concurrency: 5, theme: 'dark' });
    expect(updated).toMatchObject({ ok: true, result: { concurrency: 5, theme: 'dark' } });
    expect(await invoke('settings.get', undefined)).toMatchObject({ ok: true, result: { concurrency: 5, theme: 'dark' } });
    expect(engine.settings.concurrency).toBe(5);
  });

  it('answers invalid input with ERR_INVALID_INPUT and changes nothing', async () => {
    const before = engine.settings.concurrency;
    const bad = await invoke('settings.update', { concurrency: 'many' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_INPUT' } });
    expect((await invoke('settings.update', { sneaky: true })).ok).toBe(false);
    expect(engine.settings.concurrency).toBe(before);
  });

  it('passes engine errors through with their code', async () => {
    expect(await invoke('library.get', { id: 999 })).toMatchObject({ ok: false, error: { code: 'ERR_NOT_FOUND' } });
  });

  it('refuses a subframe, even one showing the app page, without reaching the engine', async () => {
    const spy = vi.spyOn(engine, 'call');
    const iframe = new FakeFrame(OWN);
    iframe.parent = win.webContents.mainFrame;
    const refused = await invoke('settings.update', { concurrency: 1 }, iframe);
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_UNAUTHORIZED' } });
    expect(spy).not.toHaveBeenCalled();
    expect(engine.settings.concurrency).not.toBe(1);
    expect(log.warn).toHaveBeenCalledOnce();
    spy.mockRestore();
  });

  it('refuses the main frame once it shows a foreign page, and a sender whose frame is gone', async () => {
    const spy = vi.spyOn(engine, 'call');
    win.webContents.mainFrame.url = 'https://evil.example/';
    expect(await invoke('settings.get', undefined)).toMatchObject({ ok: false, error: { code: 'ERR_UNAUTHORIZED' } });
    expect(await invoke('settings.get', undefined, null)).toMatchObject({ ok: false, error: { code: 'ERR_UNAUTHORIZED' } });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('refuses the main frame of another window', async () => {
    const other = new BrowserWindow({ width: 1, height: 1 });
    other.webContents.mainFrame.url = OWN;
    expect(await invoke('settings.get', undefined, other.webContents.mainFrame)).toMatchObject({ ok: false, error: { code: 'ERR_UNAUTHORIZED' } });
  });

  it('pushes engine events to the window', async () => {
    await invoke('settings.update', { notifications: false });
    expect(win.webContents.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, {
      event: 'settings.changed',
      payload: expect.objectContaining({ notifications: false }),
    });
  });

  it('sends nothing to a destroyed window', async () => {
    win.destroyed = true;
    await engine.call('settings.update', { notifications: true });
    expect(win.webContents.send).not.toHaveBeenCalled();
  });
});

describe('senderAllowed', () => {
  const main = new FakeFrame(OWN);
  it('needs the very main frame object and the own page', () => {
    expect(senderAllowed(main, main, page)).toBe(true);
    expect(senderAllowed(new FakeFrame(OWN), main, page)).toBe(false);
    expect(senderAllowed(main, undefined, page)).toBe(false);
    expect(senderAllowed(null, main, page)).toBe(false);
    const dev = appPage(RENDERER, 'http://localhost:5173/');
    const devFrame = new FakeFrame('http://localhost:5173/#/queue');
    expect(senderAllowed(devFrame, devFrame, dev)).toBe(true);
    const file = new FakeFrame(OWN);
    expect(senderAllowed(file, file, dev)).toBe(false);
  });
});
