import { create } from 'zustand';
import type { MethodInput, MethodOutput, Settings } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';

type SystemInfo = MethodOutput<'system.info'>;
type SecretsStatus = MethodOutput<'secrets.status'>;

interface SettingsState {
  settings: Settings | null;
  info: SystemInfo | null;
  secrets: SecretsStatus | null;
  /** The last failed change, with the engine's sentence; cleared by the next successful one. */
  error: string | null;
  load(client: AppClient): Promise<void>;
  update(client: AppClient, patch: MethodInput<'settings.update'>): Promise<boolean>;
  /** Keeps every window in step: another window or the CLI may change settings too. */
  subscribe(client: AppClient): () => void;
}

export const useSettings = create<SettingsState>((set) => ({
  settings: null,
  info: null,
  secrets: null,
  error: null,
  async load(client) {
    const [settings, info, secrets] = await Promise.all([
      client.call('settings.get', {}),
      client.call('system.info', {}),
      client.call('secrets.status', {}),
    ]);
    set({ settings, info, secrets });
  },
  async update(client, patch) {
    try {
      const settings = await client.call('settings.update', patch);
      set({ settings, error: null });
      if ('libraryDir' in patch || 'ytdlpPath' in patch || 'ffmpegPath' in patch || 'ffprobePath' in patch) {
        set({ info: await client.call('system.info', {}) });
      }
      return true;
    } catch (err) {
      set({ error: toAppError(err).message });
      return false;
    }
  },
  subscribe(client) {
    return client.on('settings.changed', (settings) => set({ settings }));
  },
}));
