/**
 * The shell wired together (src/main/app.ts) on the fake electron module and a real engine: start-up, the lock
 * error, closing to the tray, a second launch with a deep link, and quitting with a download running.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeEngine, stopAll, tempDir, waitFor } from '../../support/engine';
import { startMediaServer, type MediaServer } from '../../support/media-server';
import { METHOD_NAMES, type MethodInput, type MethodName, type MethodOutput } from '../../../src/shared/contract';
import { MEDIA_SCHEME, type Envelope } from '../../../src/shared/wire';
import type * as Fake from './fake-electron';

let server: MediaServer;
beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await stopAll();
  await server?.close();
});

const savedEnv = { ...process.env };
let quitApp: (() => Promise<void>) | null = null;
afterEach(async () => {
  // an app left running would keep its engine (and the data folder lock) open
  await quitApp?.();
  quitApp = null;
  process.env = { ...savedEnv };
});

interface Booted {
  fake: typeof Fake;
  dataDir: string;
  win: Fake.BrowserWindow;
  call: (method: string, input?: unknown) => Promise<Envelope<unknown>>;
  /** The result of a call that must succeed. */
  get: <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;
}

/** A fresh electron fake and app module, as if the app were launched anew. */
async function fresh(): Promise<{ fake: typeof Fake; runApp: () => void }> {
  vi.resetModules();
  vi.doMock('electron', () => import('./fake-electron'));
  const fake = await import('./fake-electron');
  const { runApp } = await import('../../../src/main/app');
  return { fake, runApp };
}

async function launch(dataDir = tempDir('app-data')): Promise<{ fake: typeof Fake; dataDir: string }> {
  process.env['CLIPHARBOR_DATA'] = dataDir;
  process.env['CLIPHARBOR_LIBRARY'] = tempDir('app-lib');
  const { fake, runApp } = await fresh();
  runApp();
  fake.app.readyResolve();
  return { fake, dataDir };
}

async function boot(): Promise<Booted> {
  const { fake, dataDir } = await launch();
  await waitFor(() => fake.Tray.instances.length === 1, 10_000, 'the tray');
  const win = fake.BrowserWindow.instances[0]!;
  const call = async (method: string, input?: unknown) =>
    (await fake.ipcMain.handlers.get(`clipharbor:call:${method}`)!({ senderFrame: win.webContents.mainFrame }, input)) as Envelope<unknown>;
  const get = async <M extends MethodName>(method: M, input: MethodInput<M>) => {
    const answer = await call(method, input);
    if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
    return answer.result as MethodOutput<M>;
  };
  quitApp = async () => {
    fake.app.quit();
    await waitFor(() => fake.app.quitted, 20_000, 'the app to quit');
  };
  return { fake, dataDir, win, call, get };
}

describe('desktop shell', () => {
  it('starts: data folder, privileged scheme before ready, IPC, media, window on the built page, tray', async () => {
    const { fake, dataDir, win, call } = await boot();
    expect(fake.app.getPath('userData')).toBe(dataDir);
    expect(fake.protocol.privileged).toEqual([expect.objectContaining({ scheme: MEDIA_SCHEME })]);
    expect(fake.protocol.handlers.has(MEDIA_SCHEME)).toBe(true);
    expect(fake.ipcMain.handlers.size).toBe(METHOD_NAMES.length);
    expect(win.loaded.file).toMatch(/renderer[\\/]index\.html$/);
    expect(win.options['webPreferences']).toMatchObject({ sandbox: true, contextIsolation: true, preload: expect.stringMatching(/preload[\\/]index\.js$/) });
    expect(await call('system.info', {})).toMatchObject({ ok: true, result: { appVersion: '9.9.9-test', host: { kind: 'desktop', canReveal: true }, dataDir } });
    expect(fake.Tray.instances[0]!.tooltip).toBe('ClipHarbor — No downloads in progress');
    expect(fake.app.setAsDefaultProtocolClient).not.toHaveBeenCalled();

    const contents = new fake.FakeWebContents('about:blank');
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('keeps running in the tray when the window closes, and a second launch brings it back with its link', async () => {
    const { fake, win, get } = await boot();
    win.emit('ready-to-show');
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    expect(fake.app.quitted).toBe(false);

    const link = server.url('/slow/200000/v/big.mp4');
    fake.app.emit('second-instance', {}, ['/opt/ClipHarbor/clipharbor', `clipharbor://add?url=${encodeURIComponent(link)}`], '/home/me');
    expect(win.visible).toBe(true);
    await waitFor(() => fake.Tray.instances[0]!.tooltip.includes('1 downloading'), 10_000, 'the tray to count the download');
    expect((await get('jobs.list', {})).jobs.map((j) => j.url)).toEqual([link]);
  });

  it('adds the links it was started with', async () => {
    const argv = process.argv;
    const link = server.url('/slow/100000/v/big.mp4');
    process.argv = [...argv, link, 'not-a-link'];
    try {
      const { fake, get } = await boot();
      // the command line is read once the engine has started, after the tray is up
      await waitFor(() => /downloading|queued/.test(fake.Tray.instances[0]!.tooltip), 10_000, 'the job');
      expect((await get('jobs.list', {})).jobs.map((j) => j.url)).toEqual([link]);
    } finally {
      process.argv = argv;
    }
  });

  it('reports a bad deep link instead of adding it', async () => {
    const { fake, get } = await boot();
    fake.app.emit('second-instance', {}, ['clipharbor', 'clipharbor://add?url=javascript%3Aalert(1)'], '/');
    await waitFor(() => fake.Notification.instances.length === 1, 5000, 'a notification');
    expect(fake.Notification.instances[0]!.options.title).toBe('Link not added');
    expect((await get('jobs.list', {})).total).toBe(0);
  });

  it('quits when the window closes with closeToTray off, stopping the engine', async () => {
    const { fake, win, call } = await boot();
    await call('settings.update', { closeToTray: false });
    win.close();
    await waitFor(() => fake.app.quitted, 10_000, 'the app to quit');
    expect(fake.dialog.showMessageBox).not.toHaveBeenCalled();
    expect((await call('jobs.list', {})).ok).toBe(false); // the engine has closed its database
  });

  it('asks before quitting with a download running; the download resumes on the next start', async () => {
    const { fake, dataDir, get } = await boot();
    const link = server.url('/slow/100000/v/big.mp4');
    await get('jobs.add', { urls: [link] });
    await waitFor(() => fake.Tray.instances[0]!.tooltip.includes('1 downloading'), 10_000, 'the download to run');

    fake.dialog.showMessageBox.mockResolvedValueOnce({ response: 1, checkboxChecked: false });
    fake.app.quit();
    await waitFor(() => fake.dialog.showMessageBox.mock.calls.length === 1, 5000, 'the question');
    expect(fake.dialog.showMessageBox.mock.calls[0]).toContainEqual(expect.objectContaining({ message: 'A download is running. Quit anyway?' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.app.quitted).toBe(false);
    expect((await get('queue.summary', {})).active).toBe(1);

    fake.app.quit(); // answered Quit this time (the fake's default)
    await waitFor(() => fake.app.quitted, 20_000, 'the app to quit');
    quitApp = null;
    const { engine } = makeEngine({ dataDir });
    const [job] = (await engine.call('jobs.list', {})).jobs;
    expect(job).toMatchObject({ url: link, state: 'queued' });
  });

  it('shows the error and quits when another process holds the data folder', async () => {
    const dataDir = tempDir('locked');
    makeEngine({ dataDir });
    const { fake } = await launch(dataDir);
    await waitFor(() => fake.dialog.showErrorBox.mock.calls.length === 1, 10_000, 'the error box');
    expect(fake.dialog.showErrorBox).toHaveBeenCalledWith('ClipHarbor is already running', expect.stringContaining('Another ClipHarbor process'));
    expect(fake.app.quitted).toBe(true);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('leaves a second launch to the first instance', async () => {
    const { fake, runApp } = await fresh();
    fake.app.singleInstance = false;
    runApp();
    expect(fake.app.quitted).toBe(true);
    expect(fake.protocol.privileged).toEqual([]);
  });
});
