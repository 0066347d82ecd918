/**
 * The contract over Electron IPC: one invoke channel per method (nothing else is handled), each answering only the
 * app's own page in the window's main frame, and every engine event pushed to the window.
 */
import { ipcMain, type BrowserWindow } from 'electron';
import { EVENT_NAMES, METHOD_NAMES, type MethodName } from '../shared/contract';
import { AppError, toAppError } from '../shared/errors';
import { preview } from '../shared/url';
import { IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, type Envelope, type EventFrame } from '../shared/wire';
import type { Engine } from './engine';
import type { Logger } from './engine/log';
import { isOwnPage, type AppPage } from './page';

/**
 * A subframe (an iframe, or a page that got into the window some other way) must not reach the engine even when
 * it is same-origin: only the window's main frame, showing the app's own page, may call.
 */
export function senderAllowed(frame: { url: string } | null | undefined, mainFrame: unknown, page: AppPage): boolean {
  return frame != null && frame === mainFrame && isOwnPage(page, frame.url);
}

export async function callEngine(engine: Pick<Engine, 'call'>, method: MethodName, input: unknown, log: Logger): Promise<Envelope<unknown>> {
  try {
    return { ok: true, result: await engine.call(method, input as never) };
  } catch (err) {
    const error = toAppError(err);
    // Expected failures carry their own code; only the unexpected ones need a stack in the log.
    if (error.code === 'ERR_UNKNOWN') log.error({ err, method }, 'command failed unexpectedly');
    return { ok: false, error: error.toJSON() };
  }
}

export interface IpcOptions {
  engine: Pick<Engine, 'call'>;
  page: AppPage;
  window: () => BrowserWindow | null;
  log: Logger;
}

export function registerIpc({ engine, page, window, log }: IpcOptions): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(IPC_CALL_PREFIX + method, (event, input: unknown) => {
      const mainFrame = window()?.webContents.mainFrame;
      if (!senderAllowed(event.senderFrame, mainFrame, page)) {
        log.warn({ method, frame: preview(event.senderFrame?.url ?? '(gone)', 200) }, 'refused a command from outside the app window');
        const refused: Envelope<never> = {
          ok: false,
          error: new AppError('ERR_UNAUTHORIZED', 'Only the ClipHarbor window can send commands.').toJSON(),
        };
        return refused;
      }
      return callEngine(engine, method, input, log);
    });
  }
}

/** Events go to the window while it exists (hidden in the tray included); the preload buffers them until used. */
export function forwardEvents(engine: Pick<Engine, 'on'>, window: () => BrowserWindow | null): void {
  for (const event of EVENT_NAMES) {
    engine.on(event, (payload) => {
      const win = window();
      if (!win || win.isDestroyed()) return;
      const frame: EventFrame = { event, payload };
      win.webContents.send(IPC_EVENT_CHANNEL, frame);
    });
  }
}
