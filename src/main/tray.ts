/**
 * The tray icon that keeps the app reachable while downloads run with the window closed. The menu is built from a
 * queue summary by a plain function; the Electron part only renders it.
 */
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { QueueSummary } from '../shared/contract';

export type TrayAction = 'show' | 'addFromClipboard' | 'pauseAll' | 'resumeAll' | 'quit';

export type TrayEntry =
  | { type: 'separator' }
  | { type: 'status'; label: string }
  | { type: 'action'; action: TrayAction; label: string; enabled: boolean };

export function queueStatus(s: QueueSummary): string {
  const waiting = s.queued + s.retrying;
  if (s.active === 0 && waiting === 0 && s.paused === 0) return 'No downloads in progress';
  const parts = [`${s.active} downloading`, `${waiting} queued`];
  if (s.paused > 0) parts.push(`${s.paused} paused`);
  return parts.join(' · ');
}

export function trayMenuModel(s: QueueSummary): TrayEntry[] {
  // the same job states `queue.pauseAll` and `queue.resumeAll` act on
  const pausable = s.active + s.queued + s.retrying;
  return [
    { type: 'action', action: 'show', label: 'Show ClipHarbor', enabled: true },
    { type: 'action', action: 'addFromClipboard', label: 'Add from clipboard', enabled: true },
    { type: 'separator' },
    { type: 'status', label: queueStatus(s) },
    { type: 'action', action: 'pauseAll', label: 'Pause all', enabled: pausable > 0 },
    { type: 'action', action: 'resumeAll', label: 'Resume all', enabled: s.paused > 0 },
    { type: 'separator' },
    { type: 'action', action: 'quit', label: 'Quit ClipHarbor', enabled: true },
  ];
}

/** What to ask before quitting, or null when nothing is running and the app can just quit. */
export function quitQuestion(s: QueueSummary): string | null {
  if (s.active === 0) return null;
  return s.active === 1 ? 'A download is running. Quit anyway?' : `${s.active} downloads are running. Quit anyway?`;
}

export interface AppTray {
  update(summary: QueueSummary): void;
  destroy(): void;
}

export function createTray(icon: string, onAction: (action: TrayAction) => void): AppTray {
  const tray = new Tray(nativeImage.createFromPath(icon));
  // Windows and macOS send clicks; most Linux trays only open the menu, which has Show as its first entry.
  tray.on('click', () => onAction('show'));
  const toItem = (entry: TrayEntry): MenuItemConstructorOptions => {
    if (entry.type === 'separator') return { type: 'separator' };
    if (entry.type === 'status') return { label: entry.label, enabled: false };
    return { label: entry.label, enabled: entry.enabled, click: () => onAction(entry.action) };
  };
  return {
    update(summary) {
      tray.setToolTip(`ClipHarbor — ${queueStatus(summary)}`);
      tray.setContextMenu(Menu.buildFromTemplate(trayMenuModel(summary).map(toItem)));
    },
    destroy: () => tray.destroy(),
  };
}
