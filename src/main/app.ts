/**
 * The desktop shell: wires the engine to the window, IPC, media protocol, tray, notifications and the ways links
 * arrive from outside. Decisions live in the small modules it calls; this file only connects them to Electron.
 */
import path from 'node:path';
import { app, clipboard, dialog, safeStorage, shell, type BrowserWindow } from 'electron';
import { toAppError } from '../shared/errors';
import { createEngine, type Engine } from './engine';
import { ClipboardWatcher, DEEP_LINK_SCHEME, enqueue, urlsFromArgs, urlsInText, type Inbound } from './inbound';
import { forwardEvents, registerIpc } from './ipc';
import { registerMediaScheme, serveMedia } from './media-protocol';
import { JobNotifier, showNotice } from './notify';
import { appPage } from './page';
import { secretBoxFor } from './secrets';
import { createTray, quitQuestion, type AppTray, type TrayAction } from './tray';
import { createMainWindow, guardWebContents } from './window';

const TRAY_REFRESH_MS = 300;

export function runApp(): void {
  // The CLI uses <appData>/clipharbor too (engine/paths.ts); pinning the name keeps a packaged build, whose product
  // name is "ClipHarbor", on the same folder. A CLIPHARBOR_DATA folder is a separate instance with its own lock.
  const dataDir = path.resolve(process.env['CLIPHARBOR_DATA'] || path.join(app.getPath('appData'), 'clipharbor'));
  app.setPath('userData', dataDir);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerMediaScheme();
  // Windows shows notifications only for an app id that matches the installer's shortcut (electron-builder appId).
  if (process.platform === 'win32') app.setAppUserModelId('app.clipharbor');

  const outDir = path.join(__dirname, '..');
  const resources = path.join(__dirname, '../../resources');
  const page = appPage(path.join(outDir, 'renderer/index.html'), process.env['ELECTRON_RENDERER_URL']);

  let engine: Engine | null = null;
  let win: BrowserWindow | null = null;
  let tray: AppTray | null = null;
  let watcher: ClipboardWatcher | null = null;
  /** Links that arrived (open-url, a second launch) before the engine was open. */
  const early: Inbound[] = [];
  let asking = false;
  /** Set once the user has decided to quit: from then on the window really closes. */
  let quitting = false;
  /** The engine is closed (or never opened): nothing stands in the way of quitting. */
  let stopped = false;

  const showWindow = () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  const report = (problems: string[]) => {
    if (problems.length === 0) return;
    engine?.log.warn({ problems }, 'links not added');
    showNotice({ title: problems.length === 1 ? 'Link not added' : `${problems.length} links not added`, body: problems.join('\n') }, showWindow);
  };

  const receive = (inbound: Inbound) => {
    if (inbound.urls.length === 0 && inbound.rejected.length === 0) return;
    if (!engine) early.push(inbound);
    else void enqueue(engine, inbound).then(({ problems }) => report(problems));
  };

  const confirmQuit = async (): Promise<boolean> => {
    const question = engine ? quitQuestion(await engine.call('queue.summary', {})) : null;
    if (!question) return true;
    const options = {
      type: 'question' as const,
      buttons: ['Quit', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: question,
      detail: 'They continue where they stopped the next time ClipHarbor starts.',
    };
    const { response } = await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
    return response === 0;
  };

  const quit = async () => {
    if (asking || quitting) return;
    asking = true;
    // if the question cannot even be asked, quitting is still what the user wanted
    const confirmed = await confirmQuit().catch(() => true);
    asking = false;
    if (!confirmed) return;
    quitting = true;
    watcher?.stop();
    tray?.destroy();
    // running jobs go back to the queue and resume on the next start
    await engine?.stop();
    stopped = true;
    app.quit();
  };

  const onTray = (action: TrayAction) => {
    switch (action) {
      case 'show':
        return showWindow();
      case 'quit':
        return void quit();
      case 'addFromClipboard':
        return void clipboard.readText().then((text) => {
          const urls = urlsInText(text);
          if (urls.length === 0) report(['The clipboard holds no http:// or https:// link.']);
          else receive({ urls, rejected: [] });
        });
      case 'pauseAll':
      case 'resumeAll':
        engine?.call(action === 'pauseAll' ? 'queue.pauseAll' : 'queue.resumeAll', {}).catch((err: unknown) => report([toAppError(err).message]));
    }
  };

  const openEngine = (): Engine | null => {
    try {
      return createEngine({
        dataDir,
        libraryDir: process.env['CLIPHARBOR_LIBRARY'] || undefined,
        host: { kind: 'desktop', reveal: (file) => shell.showItemInFolder(file) },
        bundledBinDirs: app.isPackaged ? [path.join(process.resourcesPath, 'bin')] : [],
        appVersion: app.getVersion(),
        secretBox: secretBoxFor(safeStorage),
      });
    } catch (err) {
      const error = toAppError(err);
      dialog.showErrorBox(error.code === 'ERR_DATA_LOCKED' ? 'ClipHarbor is already running' : 'ClipHarbor cannot start', error.message);
      stopped = true;
      app.quit();
      return null;
    }
  };

  const start = async () => {
    engine = openEngine();
    if (!engine) return;
    const e = engine;
    registerIpc({ engine: e, page, window: () => win, log: e.log });
    forwardEvents(e, () => win);
    serveMedia(e);

    win = createMainWindow({
      page,
      preload: path.join(outDir, 'preload/index.js'),
      icon: path.join(resources, 'icon.png'),
      stateFile: path.join(dataDir, 'window-state.json'),
      onStateError: (err) => e.log.warn({ err }, 'could not save the window state'),
    });
    win.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      // macOS apps stay in the Dock with their window closed; elsewhere the tray setting decides
      if (process.platform === 'darwin' || e.settings.closeToTray) win?.hide();
      else void quit();
    });

    const appTray = createTray(path.join(resources, 'tray.png'), onTray);
    tray = appTray;
    let refresh: NodeJS.Timeout | null = null;
    const refreshTray = () => {
      refresh ??= setTimeout(() => {
        refresh = null;
        if (!quitting) void e.call('queue.summary', {}).then((s) => appTray.update(s));
      }, TRAY_REFRESH_MS);
    };
    appTray.update(await e.call('queue.summary', {}));
    e.on('job.updated', refreshTray);

    const notifier = new JobNotifier((notice) => {
      if (e.settings.notifications) showNotice(notice, showWindow);
    });
    e.on('job.updated', (job) => notifier.observe(job));

    const clip = new ClipboardWatcher(() => clipboard.readText(), (urls) => receive({ urls, rejected: [] }));
    watcher = clip;
    const applySettings = (s: Engine['settings']) => (s.clipboardWatch ? clip.start() : clip.stop());
    applySettings(e.settings);
    e.on('settings.changed', applySettings);

    // Packaged builds only: a development run registering itself would take the links from the installed app.
    if (app.isPackaged) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);

    await e.start();
    receive(urlsFromArgs(process.argv));
    for (const inbound of early.splice(0)) receive(inbound);
  };

  app.on('second-instance', (_event, argv) => {
    showWindow();
    receive(urlsFromArgs(argv));
  });
  // macOS delivers deep links here, possibly before `ready`
  app.on('open-url', (event, url) => {
    event.preventDefault();
    receive(urlsFromArgs([url]));
  });
  app.on('activate', showWindow);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, page));
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void quit();
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('ClipHarbor cannot start', toAppError(err).message);
      app.exit(1);
    });
}
