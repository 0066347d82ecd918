/**
 * The one contract between the engine and every front end (Electron IPC, HTTP/WebSocket, CLI).
 * Each method maps to a zod input schema and an output schema; each event to its payload schema.
 * Transports are generic over these maps, so no channel name is written anywhere else.
 */
import { z } from 'zod';
import { AppErrorSchema } from './errors';
import { checkUrl } from './url';

export const QUALITIES = ['best', '2160p', '1440p', '1080p', '720p', '480p', '360p', 'audio'] as const;
export const QualitySchema = z.enum(QUALITIES);
export type Quality = z.infer<typeof QualitySchema>;

export const AudioFormatSchema = z.enum(['m4a', 'mp3']);
export type AudioFormat = z.infer<typeof AudioFormatSchema>;

export const JOB_STATES = [
  'queued',
  'resolving',
  'downloading',
  'postprocessing',
  'completed',
  'paused',
  'retry_wait',
  'failed',
  'canceled',
] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobStateSchema>;
/** States in which a worker owns the job. */
export const RUNNING_STATES: readonly JobState[] = ['resolving', 'downloading', 'postprocessing'];
/** States from which a job still has work to do. */
export const UNFINISHED_STATES: readonly JobState[] = ['queued', 'resolving', 'downloading', 'postprocessing', 'paused', 'retry_wait'];
export const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'canceled'];

export const UrlSchema = z.string().transform((raw, ctx) => {
  const checked = checkUrl(raw);
  if (!checked.ok) {
    ctx.addIssue({ code: 'custom', message: checked.message });
    return z.NEVER;
  }
  return checked.url;
});

const Id = z.number().int().positive();
const Priority = z.number().int().min(-100).max(100);
const Timestamp = z.number().int();

/** Ways to get a video: the local yt-dlp, a plain HTTP download, and the cloud services. */
export const PROVIDERS = ['yt-dlp', 'direct', 'apify', 'huntapi', 'scrapling'] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export type ProviderName = z.infer<typeof ProviderSchema>;
/** Sites with their own provider order; TikTok is chosen by `tiktokStrategy` instead (no automatic switch). */
export const ROUTED_SITES = ['youtube', 'instagram', 'direct', 'other'] as const;
export type RoutedSite = (typeof ROUTED_SITES)[number];
const Chain = z.array(ProviderSchema).min(1).max(PROVIDERS.length);
const HttpBase = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/i, 'a base URL starts with http:// or https://');

export const STOCK_SOURCES = ['pexels', 'pixabay'] as const;
export const StockSourceSchema = z.enum(STOCK_SOURCES);
export type StockSource = z.infer<typeof StockSourceSchema>;
export const ORIENTATIONS = ['landscape', 'portrait', 'square'] as const;

export const ProgressSchema = z.object({
  phase: z.enum(['resolving', 'downloading', 'postprocessing']),
  downloadedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative().nullable(),
  /** 0–100 over all parts (video + audio streams count as parts). */
  percent: z.number().min(0).max(100).nullable(),
  speed: z.number().nonnegative().nullable(),
  etaSec: z.number().nonnegative().nullable(),
  part: z.number().int().positive(),
  parts: z.number().int().positive(),
});
export type Progress = z.infer<typeof ProgressSchema>;

export const JobSchema = z.object({
  id: Id,
  parentId: Id.nullable(),
  kind: z.enum(['single', 'playlist']),
  url: z.string(),
  canonicalUrl: z.string(),
  state: JobStateSchema,
  result: z.enum(['downloaded', 'skipped_duplicate', 'expanded']).nullable(),
  priority: Priority,
  quality: QualitySchema,
  audioFormat: AudioFormatSchema,
  title: z.string().nullable(),
  source: z.string().nullable(),
  extractor: z.string().nullable(),
  videoId: z.string().nullable(),
  itemId: Id.nullable(),
  error: AppErrorSchema.nullable(),
  tries: z.number().int().nonnegative(),
  nextAttemptAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  progress: ProgressSchema.nullable(),
  children: z.object({ total: z.number().int(), completed: z.number().int(), failed: z.number().int() }).nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export const AttemptSchema = z.object({
  id: Id,
  jobId: Id,
  provider: z.string(),
  variant: z.string().nullable(),
  startedAt: Timestamp,
  endedAt: Timestamp.nullable(),
  error: AppErrorSchema.nullable(),
  bytes: z.number().nullable(),
  /** The remote service's own id for this try (HuntAPI job, Apify run), so a restart resumes it. */
  remoteId: z.string().nullable(),
  /** True when an earlier provider of the chain had failed for this job. */
  fallback: z.boolean(),
  /** What the provider reported beyond success/failure (execution time, file size, service error code). */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
});
export type Attempt = z.infer<typeof AttemptSchema>;

export const ItemSchema = z.object({
  id: Id,
  jobId: Id.nullable(),
  url: z.string(),
  canonicalUrl: z.string(),
  source: z.string(),
  extractor: z.string(),
  videoId: z.string(),
  formatProfile: z.string(),
  title: z.string(),
  uploader: z.string().nullable(),
  uploadDate: z.string().nullable(),
  /** Relative to the library folder, with forward slashes. */
  path: z.string(),
  thumbnail: z.string().nullable(),
  bytes: z.number().int(),
  sha256: z.string(),
  /** SHA-256 of the audio/video packets, blind to container metadata: the content dedup key. */
  contentHash: z.string().nullable(),
  durationSec: z.number().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  fps: z.number().nullable(),
  vcodec: z.string().nullable(),
  acodec: z.string().nullable(),
  bitrate: z.number().int().nullable(),
  attributionName: z.string().nullable(),
  attributionUrl: z.string().nullable(),
  createdAt: Timestamp,
});
export type Item = z.infer<typeof ItemSchema>;

export const KeyframeSchema = z.object({ index: z.number().int().nonnegative(), timeSec: z.number().nonnegative() });
export type Keyframe = z.infer<typeof KeyframeSchema>;
export const ItemDetailSchema = ItemSchema.extend({ keyframes: z.array(KeyframeSchema) });
export type ItemDetail = z.infer<typeof ItemDetailSchema>;

export const SearchQuerySchema = z
  .object({
    theme: z.string().trim().min(1).max(100),
    sources: z.array(StockSourceSchema).min(1).max(2).default(['pexels', 'pixabay']),
    count: z.number().int().min(1).max(200).default(30),
    orientation: z.enum(ORIENTATIONS).optional(),
    minWidth: z.number().int().min(0).max(10_000).optional(),
    minHeight: z.number().int().min(0).max(10_000).optional(),
    minDurationSec: z.number().min(0).max(86_400).optional(),
    maxDurationSec: z.number().min(0).max(86_400).optional(),
    /** Which rendition to pick from each result: the largest, or the one nearest a height. */
    quality: z.enum(['best', '2160p', '1440p', '1080p', '720p', '480p', '360p']).default('1080p'),
  })
  .strict();
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const SearchResultSchema = z.object({
  /** `<source>:<id>`, unique across sources. */
  key: z.string().max(200),
  source: StockSourceSchema,
  id: z.string().min(1).max(100),
  title: z.string().max(500),
  pageUrl: z.string().max(4096),
  thumbnailUrl: z.string().max(4096).nullable(),
  /** The chosen rendition (never HLS). */
  fileUrl: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  durationSec: z.number().nullable(),
  bytes: z.number().nullable(),
  creatorName: z.string().max(500),
  creatorUrl: z.string().max(4096).nullable(),
  tags: z.array(z.string().max(200)).max(100),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

const SourceSearchStatusSchema = z.object({
  source: StockSourceSchema,
  ok: z.boolean(),
  cached: z.boolean(),
  error: AppErrorSchema.nullable(),
  /** From the service's rate-limit headers, when it sent them. */
  remaining: z.number().int().nullable(),
  resetAt: Timestamp.nullable(),
});

export const BreakerStateSchema = z.enum(['closed', 'open', 'half-open']);
const ProviderHealthSchema = z.object({
  provider: ProviderSchema,
  enabled: z.boolean(),
  /** Why the chain skips it (no credentials, disabled), or null. */
  unavailable: z.string().nullable(),
  breaker: BreakerStateSchema,
  consecutiveFailures: z.number().int(),
  openUntil: Timestamp.nullable(),
  /** Over the last 50 finished attempts; null before any. */
  recentSuccessRate: z.number().nullable(),
  recentAttempts: z.number().int(),
  lastError: AppErrorSchema.extend({ at: Timestamp }).nullable(),
});
export type ProviderHealth = z.infer<typeof ProviderHealthSchema>;

const ProviderStatsSchema = z.object({
  provider: z.string(),
  attempts: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  /** Attempts made because an earlier provider of the chain had failed. */
  fallbacks: z.number().int(),
  bytes: z.number(),
  /** Total time spent in attempts. */
  ms: z.number(),
  failuresByCode: z.record(z.string(), z.number().int()),
});
export type ProviderStats = z.infer<typeof ProviderStatsSchema>;

const YtdlpStatusSchema = z.object({
  /** The yt-dlp in use and where it comes from. */
  path: z.string().nullable(),
  version: z.string().nullable(),
  /** A copy ClipHarbor fetched into its data folder. */
  managed: z.object({ path: z.string(), version: z.string().nullable() }).nullable(),
  /** The copy `ytdlp.rollback` goes back to. */
  previous: z.object({ path: z.string(), version: z.string().nullable() }).nullable(),
  /** Set when a Settings path or YTDLP_PATH wins over the fetched copy (so updating it changes nothing). */
  overriddenBy: z.string().nullable(),
});
export type YtdlpStatus = z.infer<typeof YtdlpStatusSchema>;

export const ThemeSchema = z.enum(['system', 'light', 'dark']);



/** Every engine and app setting, with its default. `settings.update` takes any subset. */
export const SettingsSchema = z.object({
  libraryDir: z.string().max(4096).default(''),
  concurrency: z.number().int().min(1).max(10).default(3),
  defaultQuality: QualitySchema.default('best'),
  audioFormat: AudioFormatSchema.default('m4a'),
  maxRetries: z.number().int().min(0).max(10).default(3),
  retryBaseDelayMs: z.number().int().min(10).max(3_600_000).default(5000),
  speedLimitKBps: z.number().int().min(0).max(10_000_000).default(0),
  embedMetadata: z.boolean().default(true),
  embedThumbnail: z.boolean().default(true),
  youtubePlayerClients: z
    .array(z.string().regex(/^[a-z_]+$/, 'player client names are lowercase letters and _'))
    .min(1)
    .max(10)
    .default(['default', 'tv', 'web_safari', 'android_vr']),
  ytdlpPath: z.string().max(4096).default(''),
  ffmpegPath: z.string().max(4096).default(''),
  ffprobePath: z.string().max(4096).default(''),
  closeToTray: z.boolean().default(true),
  notifications: z.boolean().default(true),
  clipboardWatch: z.boolean().default(false),
  theme: ThemeSchema.default('system'),

  /** Provider order per site; the chain tries them in turn until one lands the file. */
  providerOrder: z
    .object({ youtube: Chain, instagram: Chain, direct: Chain, other: Chain })
    .strict()
    .default({ youtube: ['yt-dlp', 'apify', 'huntapi'], instagram: ['yt-dlp'], direct: ['direct'], other: ['yt-dlp'] }),
  disabledProviders: z.array(ProviderSchema).max(PROVIDERS.length).default([]),
  /** Env TIKTOK_DOWNLOAD_STRATEGY. */
  tiktokStrategy: z.enum(['yt-dlp', 'scrapling-api']).default('yt-dlp'),
  /** Env TIKTOK_DOWNLOAD_TIMEOUT. */
  tiktokTimeoutSec: z.number().int().min(5).max(3600).default(180),
  /** Env TIKTOK_CRAWL_HOST and TIKTOK_CRAWL_HOST_PORT: the self-hosted Scrapling service. */
  scraplingHost: z.string().max(255).regex(/^[A-Za-z0-9.:[\]_-]+$/, 'a host name or address').default('127.0.0.1'),
  scraplingPort: z.number().int().min(1).max(65535).default(5680),
  tiktokMaxFileSizeMb: z.number().int().min(1).max(100_000).default(500),
  /** Env APIFY_BASE_URL, APIFY_ACTOR. */
  apifyBaseUrl: HttpBase.default('https://api.apify.com'),
  apifyActor: z.string().max(200).regex(/^[A-Za-z0-9._~-]+$/, 'an actor id or user~name').default('xtech~youtube-video-downloader'),
  /** Actor input; {{url}} and {{resolution}} are filled in (JSON-escaped). */
  apifyInputTemplate: z.string().max(10_000).default('{"urls": ["{{url}}"], "resolution": "{{resolution}}", "max_concurrent": 1}'),
  /** Dataset item keys that may hold the file URL, tried in order. */
  apifyUrlKeys: z.array(z.string().min(1).max(100)).min(1).max(20).default(['download_url', 'downloadUrl', 'url']),
  /** Env HUNTAPI_BASE_URL, HUNTAPI_POLL_INTERVAL_S, HUNTAPI_MAX_POLL_S. */
  huntapiBaseUrl: HttpBase.default('https://api.huntapi.com'),
  huntapiPollIntervalSec: z.number().min(0.01).max(600).default(5),
  huntapiMaxPollIntervalSec: z.number().min(0.01).max(3600).default(30),
  huntapiMaxPollSec: z.number().min(1).max(86_400).default(7200),
  /** Env PEXELS_BASE_URL, PIXABAY_BASE_URL. */
  pexelsBaseUrl: HttpBase.default('https://api.pexels.com'),
  pixabayBaseUrl: HttpBase.default('https://pixabay.com'),
  /** Env VIDEO_MAX_FILE_SIZE_MB: direct and cloud downloads larger than this are refused. */
  maxFileSizeMb: z.number().int().min(1).max(1_000_000).default(2048),
  /** Connections for one large direct download when the server supports ranges (1 = one connection). */
  directConnections: z.number().int().min(1).max(16).default(4),
  /** Retries of one HTTP request to a remote service (429, 5xx, dropped connections). */
  httpMaxRetries: z.number().int().min(0).max(10).default(3),
  instagramRequestsPerHour: z.number().int().min(1).max(10_000).default(30),
  instagramMinSpacingMs: z.number().int().min(0).max(600_000).default(2000),
  /** Where `ytdlp update` fetches the release binary and its SHA2-256SUMS. */
  ytdlpReleaseUrl: HttpBase.default('https://github.com/yt-dlp/yt-dlp/releases/latest/download'),
  /** Keyframes kept per video (0 = none). */
  keyframeCount: z.number().int().min(0).max(32).default(8),
});
export type Settings = z.infer<typeof SettingsSchema>;
/**
 * Any subset of the settings. Built from the fields without their defaults: zod's `.partial()` keeps `.default()`,
 * which would fill every missing key and turn each small change into a reset of all the others.
 */
export const SettingsPatchSchema = z
  .object(
    Object.fromEntries(Object.entries(SettingsSchema.shape).map(([key, field]) => [key, field.unwrap().optional()])) as {
      [K in keyof typeof SettingsSchema.shape]: z.ZodOptional<ReturnType<(typeof SettingsSchema.shape)[K]['unwrap']>>;
    },
  )
  .strict();

/**
 * Values kept out of settings because they grant access (a proxy URL can carry a password, a cookies file is a
 * signed-in session). They are stored encrypted where the OS offers it, and no front end can read them back:
 * `secrets.status` only says which are set.
 */
export const SECRET_NAMES = ['cookiesFile', 'proxy', 'apifyToken', 'huntapiToken', 'pexelsApiKey', 'pixabayApiKey'] as const;
export const SecretNameSchema = z.enum(SECRET_NAMES);
export type SecretName = z.infer<typeof SecretNameSchema>;
const SecretsStatusSchema = z.object({
  /** 'os' when the desktop app encrypts them with the OS keychain; 'file' when they sit in the data folder as is. */
  protection: z.enum(['os', 'file']),
  set: z.record(SecretNameSchema, z.boolean()),
  /** The environment variable that supplies a secret (it wins over a saved value, and Clear cannot remove it). */
  fromEnv: z.record(SecretNameSchema, z.string().nullable()),
});

/** Counts of top-level and child jobs by state, for badges, the tray menu and the title. */
const QueueSummarySchema = z.object({
  active: z.number().int(),
  queued: z.number().int(),
  paused: z.number().int(),
  retrying: z.number().int(),
  failed: z.number().int(),
  completed: z.number().int(),
});
export type QueueSummary = z.infer<typeof QueueSummarySchema>;

const StatsSchema = z.object({
  days: z.array(z.object({ day: z.string(), completed: z.number().int(), failed: z.number().int(), bytes: z.number() })),
  totals: z.object({
    completed: z.number().int(),
    failed: z.number().int(),
    duplicates: z.number().int(),
    bytes: z.number(),
    /** completed / (completed + failed); null before anything finished. */
    successRate: z.number().nullable(),
    /** Bytes per second over the time downloads actually ran. */
    avgSpeed: z.number().nullable(),
  }),
  sources: z.array(z.object({ source: z.string(), completed: z.number().int(), failed: z.number().int(), bytes: z.number() })),
});
export type Stats = z.infer<typeof StatsSchema>;

const Paging = {
  limit: z.number().int().min(1).max(500).default(100),
  offset: z.number().int().min(0).default(0),
};

export const LIBRARY_SORTS = ['newest', 'oldest', 'title', 'duration', 'size'] as const;

const JobRef = z.object({ id: Id }).strict();
const Empty = z.object({}).strict().default({});

export const methods = {
  'jobs.add': {
    input: z
      .object({
        urls: z.array(UrlSchema).min(1).max(10_000),
        quality: QualitySchema.optional(),
        audioFormat: AudioFormatSchema.optional(),
        priority: Priority.default(0),
      })
      .strict(),
    output: z.object({
      /** One job per input URL, in input order; a URL already queued maps to its existing job. */
      jobs: z.array(JobSchema),
      created: z.number().int(),
    }),
  },
  'jobs.list': {
    input: z
      .object({ states: z.array(JobStateSchema).optional(), parentId: Id.nullable().optional(), ...Paging })
      .strict()
      .default({ limit: 100, offset: 0 }),
    output: z.object({ jobs: z.array(JobSchema), total: z.number().int() }),
  },
  'jobs.get': {
    input: JobRef,
    output: z.object({ job: JobSchema, attempts: z.array(AttemptSchema), children: z.array(JobSchema) }),
  },
  'jobs.pause': { input: JobRef, output: JobSchema },
  'jobs.resume': { input: JobRef, output: JobSchema },
  'jobs.cancel': { input: JobRef, output: JobSchema },
  'jobs.retry': { input: JobRef, output: JobSchema },
  'jobs.setPriority': { input: z.object({ id: Id, priority: Priority }).strict(), output: JobSchema },
  'queue.pauseAll': { input: Empty, output: z.object({ affected: z.number().int() }) },
  'queue.resumeAll': { input: Empty, output: z.object({ affected: z.number().int() }) },
  'library.list': {
    input: z
      .object({
        query: z.string().max(200).optional(),
        source: z.string().max(100).optional(),
        minDurationSec: z.number().nonnegative().optional(),
        maxDurationSec: z.number().nonnegative().optional(),
        minHeight: z.number().int().nonnegative().optional(),
        since: Timestamp.optional(),
        until: Timestamp.optional(),
        sort: z.enum(LIBRARY_SORTS).default('newest'),
        ...Paging,
      })
      .strict()
      .default({ sort: 'newest', limit: 100, offset: 0 }),
    output: z.object({ items: z.array(ItemSchema), total: z.number().int() }),
  },
  'library.get': { input: z.object({ id: Id }).strict(), output: ItemDetailSchema },
  'library.remove': {
    input: z.object({ id: Id, deleteFile: z.boolean().default(false) }).strict(),
    output: z.object({ id: Id, fileDeleted: z.boolean() }),
  },
  'library.facets': {
    input: Empty,
    output: z.object({ sources: z.array(z.object({ source: z.string(), count: z.number().int() })) }),
  },
  'library.reveal': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ path: z.string() }),
  },
  'settings.get': { input: Empty, output: SettingsSchema },
  'settings.update': { input: SettingsPatchSchema, output: SettingsSchema },
  'secrets.status': { input: Empty, output: SecretsStatusSchema },
  'secrets.set': {
    input: z.object({ name: SecretNameSchema, value: z.string().min(1).max(4096) }).strict(),
    output: SecretsStatusSchema,
  },
  'secrets.clear': { input: z.object({ name: SecretNameSchema }).strict(), output: SecretsStatusSchema },
  'queue.summary': { input: Empty, output: QueueSummarySchema },
  'stats.summary': {
    input: z
      .object({ days: z.number().int().min(1).max(366).default(30), utcOffsetMin: z.number().int().min(-840).max(840).default(0) })
      .strict()
      .default({ days: 30, utcOffsetMin: 0 }),
    output: StatsSchema,
  },
  'stats.export': {
    input: z.object({ format: z.enum(['json', 'csv']) }).strict(),
    output: z.object({ filename: z.string(), mimeType: z.string(), content: z.string() }),
  },
  'search.run': {
    input: SearchQuerySchema,
    output: z.object({ results: z.array(SearchResultSchema), sources: z.array(SourceSearchStatusSchema) }),
  },
  'search.suggest': {
    input: z.object({ prefix: z.string().max(100), limit: z.number().int().min(1).max(50).default(8) }).strict(),
    output: z.object({ themes: z.array(z.string()) }),
  },
  'search.popular': {
    input: z.object({ limit: z.number().int().min(1).max(50).default(12) }).strict().default({ limit: 12 }),
    output: z.object({ themes: z.array(z.object({ theme: z.string(), count: z.number().int() })) }),
  },
  /** Enqueues chosen search results as direct downloads that keep their attribution. */
  'search.download': {
    input: z
      .object({
        results: z.array(SearchResultSchema.extend({ fileUrl: UrlSchema, pageUrl: UrlSchema, creatorUrl: UrlSchema.nullable() })).min(1).max(200),
        priority: Priority.default(0),
      })
      .strict(),
    output: z.object({ jobs: z.array(JobSchema), created: z.number().int() }),
  },
  'providers.health': { input: Empty, output: z.object({ providers: z.array(ProviderHealthSchema) }) },
  'stats.providers': {
    input: z.object({ days: z.number().int().min(1).max(366).default(30) }).strict().default({ days: 30 }),
    output: z.object({ providers: z.array(ProviderStatsSchema) }),
  },
  'ytdlp.status': { input: Empty, output: YtdlpStatusSchema },
  /** Fetches the newest release into the data folder, verifies it (SHA-256, --version) and switches to it. */
  'ytdlp.update': { input: Empty, output: YtdlpStatusSchema.extend({ updated: z.boolean() }) },
  'ytdlp.rollback': { input: Empty, output: YtdlpStatusSchema },
  'system.info': {
    input: Empty,
    output: z.object({
      appVersion: z.string(),
      runtime: z.string(),
      /** What the front end may offer: revealing a file needs the desktop shell. */
      host: z.object({ kind: z.enum(['desktop', 'server', 'cli']), canReveal: z.boolean() }),
      dataDir: z.string(),
      libraryDir: z.string(),
      diskFreeBytes: z.number().nullable(),
      binaries: z.array(
        z.object({
          name: z.enum(['yt-dlp', 'ffmpeg', 'ffprobe']),
          path: z.string().nullable(),
          origin: z.enum(['setting', 'env', 'bundled', 'path']).nullable(),
          version: z.string().nullable(),
          error: z.string().nullable(),
        }),
      ),
    }),
  },
} as const;

export const events = {
  'job.updated': JobSchema,
  /** Coalesced: at most about four per second per job. */
  'job.progress': z.object({ jobId: Id, progress: ProgressSchema }),
  'library.added': ItemSchema,
  'library.removed': z.object({ id: Id }),
  'settings.changed': SettingsSchema,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/** What every front end talks to; each transport (IPC, HTTP, in-process) implements it. */
export interface Client {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
}

/** What the engine provides: one handler per method, taking parsed input. */
export type Handlers = { [M in MethodName]: (args: MethodArgs<M>) => MethodOutput<M> | Promise<MethodOutput<M>> };
