/**
 * What the Settings screen shows, as data: a new engine setting is one entry here (plus its schema in the
 * contract), and the form lays it out, labels it, saves it and reports the engine's answer.
 */
import { AudioFormatSchema, QUALITIES, SettingsSchema, type SecretName, type Settings } from '../../../shared/contract';
import { QUALITY_LABELS } from '../format';

export type GroupId = 'library' | 'downloads' | 'youtube' | 'accounts' | 'programs' | 'app';

export const GROUPS: ReadonlyArray<{ id: GroupId; legend: string; note?: string }> = [
  { id: 'library', legend: 'Library' },
  { id: 'downloads', legend: 'Downloads' },
  { id: 'youtube', legend: 'YouTube' },
  { id: 'accounts', legend: 'Accounts & network' },
  { id: 'programs', legend: 'Programs', note: 'Leave a path empty to use the bundled program or the one on your PATH.' },
  { id: 'app', legend: 'App', note: 'Tray, notifications and the clipboard watcher apply to the desktop app.' },
];

/** Settings keys whose value is of type T, so a field's kind and its key cannot disagree. */
type KeyOf<T> = { [K in keyof Settings]: Settings[K] extends T ? K : never }[keyof Settings];

interface Base {
  label: string;
  group: GroupId;
  help?: string;
}
export interface NumberField extends Base {
  kind: 'number';
  key: KeyOf<number>;
  min: number;
  max: number;
}
export interface CheckboxField extends Base {
  kind: 'checkbox';
  key: KeyOf<boolean>;
}
export interface TextField extends Base {
  kind: 'text';
  key: KeyOf<string>;
  /** A program path: the form shows what was found for it. */
  binary?: 'yt-dlp' | 'ffmpeg' | 'ffprobe';
}
/** A string[] setting edited as comma-separated text. */
export interface ListField extends Base {
  kind: 'list';
  key: KeyOf<string[]>;
}
export interface SelectField extends Base {
  kind: 'select' | 'radio';
  key: KeyOf<string>;
  options: ReadonlyArray<readonly [string, string]>;
}
export type Field = NumberField | CheckboxField | TextField | ListField | SelectField;

/** The bounds the engine enforces, read from its schema so the form and the engine never disagree. */
function bounds(key: KeyOf<number>): { min: number; max: number } {
  const schema = SettingsSchema.shape[key].unwrap();
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

export const FIELDS: readonly Field[] = [
  { kind: 'text', key: 'libraryDir', group: 'library', label: 'Library folder', help: 'Where finished videos are kept. Leave it empty for ClipHarbor in your Videos folder.' },

  { kind: 'number', key: 'concurrency', group: 'downloads', label: 'Simultaneous downloads', ...bounds('concurrency') },
  {
    kind: 'select',
    key: 'defaultQuality',
    group: 'downloads',
    label: 'Default quality',
    options: QUALITIES.map((q) => [q, QUALITY_LABELS[q]] as const),
  },
  {
    kind: 'select',
    key: 'audioFormat',
    group: 'downloads',
    label: 'Audio format',
    help: 'For audio-only downloads.',
    options: AudioFormatSchema.options.map((f) => [f, f.toUpperCase()] as const),
  },
  { kind: 'number', key: 'speedLimitKBps', group: 'downloads', label: 'Speed limit (KB/s)', help: '0 means unlimited.', ...bounds('speedLimitKBps') },
  { kind: 'number', key: 'maxRetries', group: 'downloads', label: 'Retries after a failure', ...bounds('maxRetries') },
  {
    kind: 'number',
    key: 'retryBaseDelayMs',
    group: 'downloads',
    label: 'First retry delay (ms)',
    help: 'Each further retry waits about twice as long.',
    ...bounds('retryBaseDelayMs'),
  },
  { kind: 'checkbox', key: 'embedMetadata', group: 'downloads', label: 'Embed title and uploader in the file' },
  { kind: 'checkbox', key: 'embedThumbnail', group: 'downloads', label: 'Embed the thumbnail in the file' },

  {
    kind: 'list',
    key: 'youtubePlayerClients',
    group: 'youtube',
    label: 'Player clients',
    help: 'Comma-separated, tried in order (yt-dlp’s player_client names).',
  },

  { kind: 'text', key: 'ytdlpPath', group: 'programs', label: 'yt-dlp path', binary: 'yt-dlp' },
  { kind: 'text', key: 'ffmpegPath', group: 'programs', label: 'ffmpeg path', binary: 'ffmpeg' },
  { kind: 'text', key: 'ffprobePath', group: 'programs', label: 'ffprobe path', binary: 'ffprobe' },

  { kind: 'checkbox', key: 'closeToTray', group: 'app', label: 'Keep running in the tray when the window closes' },
  { kind: 'checkbox', key: 'notifications', group: 'app', label: 'Notify when downloads finish or fail' },
  { kind: 'checkbox', key: 'clipboardWatch', group: 'app', label: 'Offer to download links copied to the clipboard' },
  {
    kind: 'radio',
    key: 'theme',
    group: 'app',
    label: 'Theme',
    options: [
      ['light', 'Light'],
      ['dark', 'Dark'],
      ['system', 'System'],
    ],
  },
];

export interface SecretField {
  name: SecretName;
  label: string;
  /** How sentences name it: "New proxy URL", "Clear proxy URL". */
  noun: string;
  help: string;
  /** A proxy URL may carry a password: keep it off the screen while typing. */
  masked: boolean;
}

export const SECRET_FIELDS: readonly SecretField[] = [
  {
    name: 'cookiesFile',
    label: 'Cookies file',
    noun: 'cookies file path',
    help: 'The path of a cookies.txt exported from a browser where you are signed in, for sites that ask you to sign in.',
    masked: false,
  },
  {
    name: 'proxy',
    label: 'Proxy URL',
    noun: 'proxy URL',
    help: 'For example http://user:password@host:8080 or socks5://host:1080.',
    masked: true,
  },
];

export const PROTECTION_TEXT: Record<'os' | 'file', string> = {
  os: 'Saved values are encrypted with your system keychain and are never shown again.',
  file: 'Saved values are stored in the data folder without encryption and are never shown again.',
};
