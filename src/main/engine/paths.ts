import os from 'node:os';
import path from 'node:path';

/** The app-data folder the desktop app also uses (Electron's userData for the app name "clipharbor"). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'clipharbor');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'clipharbor');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'clipharbor');
}

/** The OS videos folder (Electron's getPath('videos')) plus ClipHarbor. */
export function defaultLibraryDir(): string {
  return path.join(os.homedir(), process.platform === 'darwin' ? 'Movies' : 'Videos', 'ClipHarbor');
}
