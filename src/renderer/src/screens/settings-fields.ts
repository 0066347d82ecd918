/**
 * What the Settings screen shows, as data: a new engine setting is one entry here (plus its schema in the
 * contract), and the form lays it out, labels it, saves it and reports the engine's answer.
 */
import { AudioFormatSchema, QUALITIES, SettingsSchema, type SecretName, type Settings } from '../../../shared/contract';
import { QUALITY_LABELS } from '../format';

export type GroupId = 'library' | 'downloads' | 'youtube' | 'providers' | 'accounts' | 'programs' | 'ytdlp' | 'app';

export const GROUPS: ReadonlyArray<{ id: GroupId; legend: string; note?: string }> = [
  { id: 'library', legend: 'Library' },
  { id: 'downloads', legend: 'Downloads' },
  { id: 'youtube', legend: 'YouTube' },
  {
    id: 'providers',
    legend: 'Providers',
    note: 'How each site’s videos are fetched: the providers of a site are tried in order until one gets the file.',
  },
  { id: 'accounts', legend: 'Accounts & network' },
  { id: 'programs', legend: 'Programs', note: 'Leave a path empty to use the bundled program or the one on your PATH.' },
  { id: 'ytdlp', legend: 'yt-dlp', note: 'Sites change often: a newer yt-dlp fixes most downloads that suddenly fail.' },
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
  /** 1 for whole numbers; 'any' where the engine takes fractions (poll intervals in seconds). */
  step: 1 | 'any';
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
  /** Several lines (a JSON template): edited in a text area, saved when the field is left. */
  multiline?: boolean;
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
function bounds(key: KeyOf<number>): { min: number; max: number; step: 1 | 'any' } {
  const schema = SettingsSchema.shape[key].unwrap();
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER, step: schema.isInt ? 1 : 'any' };
}

export const FIELDS: readonly Field[] = [
  { kind: 'text', key: 'libraryDir', group: 'library', label: 'Library folder', help: 'Where finished videos are kept. Leave it empty for ClipHarbor in your Videos folder.' },
  {
    kind: 'number',
    key: 'keyframeCount',
    group: 'library',
    label: 'Keyframes per video',
    help: 'Stills taken from each new video for the Gallery; 0 takes none.',
    ...bounds('keyframeCount'),
  },

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
  {
    kind: 'number',
    key: 'maxFileSizeMb',
    group: 'downloads',
    label: 'Maximum file size (MB)',
    help: 'Direct and cloud downloads larger than this are refused.',
    ...bounds('maxFileSizeMb'),
  },
  {
    kind: 'number',
    key: 'directConnections',
    group: 'downloads',
    label: 'Connections per direct download',
    help: 'Large files from servers that allow it are fetched in this many parts at once; 1 uses a single connection.',
    ...bounds('directConnections'),
  },
  {
    kind: 'number',
    key: 'httpMaxRetries',
    group: 'downloads',
    label: 'Retries of a request to a service',
    help: 'When a service is busy (429), has an error (5xx) or drops the connection; its Retry-After is honoured.',
    ...bounds('httpMaxRetries'),
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

  {
    kind: 'select',
    key: 'tiktokStrategy',
    group: 'providers',
    label: 'TikTok downloads with',
    help: 'TikTok never switches by itself: only the one chosen here is used.',
    options: [
      ['yt-dlp', 'yt-dlp on this computer'],
      ['scrapling-api', 'Scrapling service (self-hosted)'],
    ],
  },
  { kind: 'text', key: 'scraplingHost', group: 'providers', label: 'Scrapling host', help: 'Name or address of the computer running the Scrapling service.' },
  { kind: 'number', key: 'scraplingPort', group: 'providers', label: 'Scrapling port', ...bounds('scraplingPort') },
  { kind: 'number', key: 'tiktokTimeoutSec', group: 'providers', label: 'Scrapling time limit (s)', ...bounds('tiktokTimeoutSec') },
  { kind: 'number', key: 'tiktokMaxFileSizeMb', group: 'providers', label: 'TikTok maximum file size (MB)', ...bounds('tiktokMaxFileSizeMb') },
  { kind: 'text', key: 'apifyBaseUrl', group: 'providers', label: 'Apify API URL' },
  { kind: 'text', key: 'apifyActor', group: 'providers', label: 'Apify actor', help: 'The actor that downloads: its id, or user~name.' },
  {
    kind: 'text',
    key: 'apifyInputTemplate',
    group: 'providers',
    label: 'Apify actor input',
    help: 'JSON sent to the actor; {{url}} and {{resolution}} are filled in.',
    multiline: true,
  },
  { kind: 'list', key: 'apifyUrlKeys', group: 'providers', label: 'Apify result keys for the file', help: 'Comma-separated, tried in order.' },
  { kind: 'text', key: 'huntapiBaseUrl', group: 'providers', label: 'HuntAPI URL' },
  { kind: 'number', key: 'huntapiPollIntervalSec', group: 'providers', label: 'HuntAPI first check after (s)', ...bounds('huntapiPollIntervalSec') },
  {
    kind: 'number',
    key: 'huntapiMaxPollIntervalSec',
    group: 'providers',
    label: 'HuntAPI longest wait between checks (s)',
    ...bounds('huntapiMaxPollIntervalSec'),
  },
  {
    kind: 'number',
    key: 'huntapiMaxPollSec',
    group: 'providers',
    label: 'HuntAPI deadline (s)',
    help: 'HuntAPI jobs take minutes; past this the attempt fails and the next provider is tried.',
    ...bounds('huntapiMaxPollSec'),
  },
  { kind: 'text', key: 'pexelsBaseUrl', group: 'providers', label: 'Pexels API URL' },
  { kind: 'text', key: 'pixabayBaseUrl', group: 'providers', label: 'Pixabay API URL' },
  { kind: 'number', key: 'instagramRequestsPerHour', group: 'providers', label: 'Instagram requests per hour', ...bounds('instagramRequestsPerHour') },
  {
    kind: 'number',
    key: 'instagramMinSpacingMs',
    group: 'providers',
    label: 'Instagram pause between requests (ms)',
    help: 'Instagram blocks accounts that fetch too fast; a random extra pause is added.',
    ...bounds('instagramMinSpacingMs'),
  },

  { kind: 'text', key: 'ytdlpPath', group: 'programs', label: 'yt-dlp path', binary: 'yt-dlp' },
  { kind: 'text', key: 'ffmpegPath', group: 'programs', label: 'ffmpeg path', binary: 'ffmpeg' },
  { kind: 'text', key: 'ffprobePath', group: 'programs', label: 'ffprobe path', binary: 'ffprobe' },

  {
    kind: 'text',
    key: 'ytdlpReleaseUrl',
    group: 'ytdlp',
    label: 'Release download URL',
    help: 'Where Update fetches yt-dlp and its SHA2-256SUMS; the download is checked against it before it is used.',
  },

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
  group: GroupId;
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
    group: 'accounts',
    label: 'Cookies file',
    noun: 'cookies file path',
    help: 'The path of a cookies.txt exported from a browser where you are signed in, for sites that ask you to sign in.',
    masked: false,
  },
  {
    name: 'proxy',
    group: 'accounts',
    label: 'Proxy URL',
    noun: 'proxy URL',
    help: 'For example http://user:password@host:8080 or socks5://host:1080.',
    masked: true,
  },
  {
    name: 'apifyToken',
    group: 'providers',
    label: 'Apify token',
    noun: 'Apify token',
    help: 'From Apify Console → Settings → API & Integrations; lets YouTube downloads fall back to Apify.',
    masked: true,
  },
  {
    name: 'huntapiToken',
    group: 'providers',
    label: 'HuntAPI key',
    noun: 'HuntAPI key',
    help: 'From your HuntAPI dashboard; lets YouTube downloads fall back to HuntAPI.',
    masked: true,
  },
  {
    name: 'pexelsApiKey',
    group: 'providers',
    label: 'Pexels API key',
    noun: 'Pexels API key',
    help: 'Free at pexels.com/api; needed to search Pexels.',
    masked: true,
  },
  {
    name: 'pixabayApiKey',
    group: 'providers',
    label: 'Pixabay API key',
    noun: 'Pixabay API key',
    help: 'Free at pixabay.com/api/docs; needed to search Pixabay.',
    masked: true,
  },
];

export const PROTECTION_TEXT: Record<'os' | 'file', string> = {
  os: 'Saved values are encrypted with your system keychain and are never shown again.',
  file: 'Saved values are stored in the data folder without encryption and are never shown again.',
};
