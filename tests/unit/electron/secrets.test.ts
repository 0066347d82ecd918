import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { safeStorage } from './fake-electron';
import { makeEngine, stopAll } from '../../support/engine';
import { secretBoxFor } from '../../../src/main/secrets';
import { plainBox } from '../../../src/main/engine/store/secrets';

vi.mock('electron', () => import('./fake-electron'));

afterAll(stopAll);
beforeEach(() => {
  safeStorage.isEncryptionAvailable.mockReturnValue(true);
  safeStorage.getSelectedStorageBackend.mockReturnValue('gnome_libsecret');
});

const storedValue = (engine: ReturnType<typeof makeEngine>['engine'], name: string) =>
  (engine.db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: Buffer }).value;

const NO_ENV = { cookiesFile: null, proxy: null, apifyToken: null, huntapiToken: null, pexelsApiKey: null, pixabayApiKey: null };
const NONE = { cookiesFile: false, proxy: false, apifyToken: false, huntapiToken: false, pexelsApiKey: false, pixabayApiKey: false };

describe('secrets in the desktop app', () => {
  it('are sealed by the OS keychain, never stored readable, and only their status reaches the renderer', async () => {
    const { engine } = makeEngine({ secretBox: secretBoxFor(safeStorage, 'linux') });
    const status = await engine.call('secrets.set', { name: 'proxy', value: 'http://user:hunter2@proxy.example:8080' });
    expect(status).toEqual({ protection: 'os', set: { ...NONE, proxy: true }, fromEnv: NO_ENV });
    expect(JSON.stringify(status)).not.toContain('hunter2');
    const stored = storedValue(engine, 'proxy');
    expect(stored.toString()).not.toContain('hunter2');
    expect(safeStorage.encryptString).toHaveBeenCalledWith('http://user:hunter2@proxy.example:8080');
    expect(engine.secrets.get('proxy')).toBe('http://user:hunter2@proxy.example:8080');
  });

  it('fall back to the plain box without OS encryption, and say so', async () => {
    safeStorage.isEncryptionAvailable.mockReturnValue(false);
    expect(secretBoxFor(safeStorage, 'darwin')).toBe(plainBox);
    const { engine } = makeEngine({ secretBox: secretBoxFor(safeStorage, 'win32') });
    expect((await engine.call('secrets.status', {})).protection).toBe('file');
  });

  it('do not claim OS protection for the hard-coded key Linux uses without a keyring', () => {
    safeStorage.getSelectedStorageBackend.mockReturnValue('basic_text');
    expect(secretBoxFor(safeStorage, 'linux')).toBe(plainBox);
    expect(secretBoxFor(safeStorage, 'win32').protection).toBe('os');
  });

  it('sealed by another keychain read as unset, to be entered again', async () => {
    const { engine, dataDir } = makeEngine({ secretBox: plainBox });
    await engine.call('secrets.set', { name: 'cookiesFile', value: '/home/me/cookies.txt' });
    await engine.stop();
    const { engine: reopened } = makeEngine({ dataDir, secretBox: secretBoxFor(safeStorage, 'linux') });
    expect(await reopened.call('secrets.status', {})).toEqual({ protection: 'os', set: NONE, fromEnv: NO_ENV });
  });
});
