import { create } from 'zustand';
import type { MethodInput, MethodOutput, SecretName, Settings } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';

export type SystemInfo = MethodOutput<'system.info'>;
export type SecretsStatus = MethodOutput<'secrets.status'>;

/** Settings whose change moves the library or swaps a program: what system.info reports changes with them. */
const INFO_KEYS: ReadonlyArray<keyof Settings> = ['libraryDir', 'ytdlpPath', 'ffmpegPath', 'ffprobePath'];

interface SettingsState {
  settings: Settings | null;
  info: SystemInfo | null;
  secrets: SecretsStatus | null;
  /** The last failed change, with the engine's sentence; cleared by the next successful one. */
  error: string | null;
  load(client: AppClient): Promise<void>;
  /** Only system.info: enough for screens that need to know what the host can do (reveal a file). */
  loadInfo(client: AppClient): Promise<void>;
  update(client: AppClient, patch: MethodInput<'settings.update'>): Promise<boolean>;
  /** Secrets go in and never come back: the store keeps only which are set. */
  setSecret(client: AppClient, name: SecretName, value: string): Promise<boolean>;
  clearSecret(client: AppClient, name: SecretName): Promise<boolean>;
  /** Keeps every window in step: another window or the CLI may change settings too. */
  subscribe(client: AppClient): () => void;
}

export const useSettings = create<SettingsState>((set) => {
  /** Runs a change; on failure keeps the engine's sentence in `error` and reports false. */
  async function attempt(change: () => Promise<Partial<SettingsState>>): Promise<boolean> {
    try {
      set({ ...(await change()), error: null });
      return true;
    } catch (err) {
      set({ error: toAppError(err).message });
      return false;
    }
  }

  // two loads can overlap (a reconnect right after start): only the latest may write, or an older answer wins
  let loads = 0;

  return {
    settings: null,
    info: null,
    secrets: null,
    error: null,
    async load(client) {
      const mine = ++loads;
      const [settings, info, secrets] = await Promise.all([
        client.call('settings.get', {}),
        client.call('system.info', {}),
        client.call('secrets.status', {}),
      ]);
      if (mine === loads) set({ settings, info, secrets });
    },
    async loadInfo(client) {
      set({ info: await client.call('system.info', {}) });
    },
    update(client, patch) {
      return attempt(async () => {
        const settings = await client.call('settings.update', patch);
        const infoChanged = INFO_KEYS.some((key) => key in patch);
        return infoChanged ? { settings, info: await client.call('system.info', {}) } : { settings };
      });
    },
    setSecret(client, name, value) {
      return attempt(async () => ({ secrets: await client.call('secrets.set', { name, value }) }));
    },
    clearSecret(client, name) {
      return attempt(async () => ({ secrets: await client.call('secrets.clear', { name }) }));
    },
    subscribe(client) {
      return client.on('settings.changed', (settings) => set({ settings }));
    },
  };
});
