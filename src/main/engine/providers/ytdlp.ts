import path from 'node:path';
import type { Quality, AudioFormat, Settings } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { YtdlpFeatures } from '../binaries';
import { runProcess } from '../proc';
import { mediaLinkKind } from '../routing';
import { classifyYtdlpError } from './ytdlp-errors';

/** Markers on yt-dlp's stdout lines that carry machine-readable data (never parse the human progress line). */
const MARK_PROGRESS = '[clipharbor:progress]';
const MARK_INFO = '[clipharbor:info]';
const MARK_FILE = '[clipharbor:file]';

/** What we keep of yt-dlp's info dict. */
export interface MediaInfo {
  id: string;
  title: string | null;
  extractor: string;
  uploader: string | null;
  uploadDate: string | null;
  webpageUrl: string | null;
  ext: string | null;
  durationSec: number | null;
  parts: number;
}

export interface ResolvedPlaylist {
  kind: 'playlist';
  title: string | null;
  extractor: string;
  entries: Array<{ url: string; title: string | null; id: string | null }>;
}
export interface ResolvedVideo {
  kind: 'video';
  info: MediaInfo;
}

export interface RawProgress {
  downloadedBytes: number;
  totalBytes: number | null;
  speed: number | null;
  etaSec: number | null;
  part: number;
  parts: number;
}

export interface YtdlpContext {
  binary: string;
  features: YtdlpFeatures;
  settings: Settings;
  /** From the secret store: never logged, never shown to a front end. */
  secrets: { cookiesFile?: string; proxy?: string };
  /** Our own Node (≥ 22) for YouTube's JavaScript challenges, when yt-dlp can take it. */
  jsRuntime: { path: string; env: NodeJS.ProcessEnv } | null;
  env: NodeJS.ProcessEnv;
}

/** A link straight to a media file or manifest is one video: it needs no playlist check before downloading. */
export function isDirectMediaUrl(url: string): boolean {
  return mediaLinkKind(url) !== null;
}

function commonArgs(ctx: YtdlpContext): string[] {
  const args = ['--ignore-config', ctx.features.colorOption ? '--color=never' : '--no-colors', '--socket-timeout', '30'];
  if (ctx.secrets.proxy) args.push('--proxy', ctx.secrets.proxy);
  if (ctx.secrets.cookiesFile) args.push('--cookies', ctx.secrets.cookiesFile);
  if (ctx.jsRuntime && ctx.features.jsRuntimes) args.push('--js-runtimes', `node:${ctx.jsRuntime.path}`);
  return args;
}

function childEnv(ctx: YtdlpContext): NodeJS.ProcessEnv {
  return { ...ctx.env, ...(ctx.jsRuntime?.env ?? {}), PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
}

export function formatArgs(quality: Quality, audioFormat: AudioFormat): string[] {
  if (quality === 'audio') return ['-f', 'ba/b', '-x', '--audio-format', audioFormat];
  const args = ['-f', 'bv*+ba/b', '--merge-output-format', 'mp4/mkv'];
  if (quality !== 'best') args.push('-S', `res:${quality.replace('p', '')}`);
  return args;
}

export function downloadArgs(ctx: YtdlpContext, req: { url: string; quality: Quality; audioFormat: AudioFormat; stagingDir: string; playerClient: string | null }): string[] {
  const s = ctx.settings;
  const args = [
    ...commonArgs(ctx),
    '--newline',
    '--progress',
    '--no-playlist',
    '--no-mtime',
    '--continue',
    '--progress-template',
    `download:${MARK_PROGRESS}%(progress)j`,
    '--print',
    `before_dl:${MARK_INFO}%(.{id,title,extractor_key,uploader,channel,upload_date,webpage_url,ext,duration,requested_formats})j`,
    '--print',
    `after_move:${MARK_FILE}%(filepath)s`,
    '-o',
    path.join(req.stagingDir, 'media.%(ext)s'),
    ...formatArgs(req.quality, req.audioFormat),
  ];
  // a direct media link has no site metadata worth embedding: keep the server's bytes as they are
  const direct = isDirectMediaUrl(req.url);
  if (s.embedMetadata && !direct) args.push('--embed-metadata');
  if (s.embedThumbnail && !direct) args.push('--embed-thumbnail');
  if (s.speedLimitKBps > 0) args.push('-r', `${s.speedLimitKBps}K`);
  if (req.playerClient && req.playerClient !== 'default') {
    args.push('--extractor-args', `youtube:player_client=${req.playerClient}`);
  }
  args.push('--', req.url);
  return args;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function toMediaInfo(raw: Record<string, unknown>): MediaInfo {
  const requested = Array.isArray(raw.requested_formats) ? raw.requested_formats.length : 0;
  return {
    id: str(raw.id) ?? 'unknown',
    title: str(raw.title),
    extractor: (str(raw.extractor_key) ?? str(raw.ie_key) ?? 'generic').toLowerCase(),
    uploader: str(raw.uploader) ?? str(raw.channel),
    uploadDate: str(raw.upload_date),
    webpageUrl: str(raw.webpage_url),
    ext: str(raw.ext),
    durationSec: num(raw.duration),
    parts: Math.max(1, requested),
  };
}

/** `-J --flat-playlist`: is this one video or many? Cheap for playlists and channels (entries are not extracted). */
export async function resolveUrl(ctx: YtdlpContext, url: string, signal: AbortSignal): Promise<ResolvedPlaylist | ResolvedVideo> {
  const res = await runProcess(ctx.binary, [...commonArgs(ctx), '-J', '--flat-playlist', '--no-warnings', '--', url], {
    env: childEnv(ctx),
    signal,
  });
  if (signal.aborted) throw new AppError('ERR_CANCELED', 'Canceled.');
  if (res.code !== 0) throw classifyYtdlpError(res.stderr, res.code);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(res.stdout) as Record<string, unknown>;
  } catch {
    throw new AppError('ERR_PROCESS', 'yt-dlp returned unreadable information for this link: update yt-dlp and retry.');
  }
  if (raw._type === 'playlist' && Array.isArray(raw.entries)) {
    const entries = (raw.entries as Array<Record<string, unknown>>)
      // `url` is the entry's own address (a video page for flat entries, the media file for embeds); webpage_url may be the playlist page
      .map((e) => ({ url: str(e.url) ?? str(e.webpage_url), title: str(e.title), id: str(e.id) }))
      .filter((e): e is { url: string; title: string | null; id: string | null } => !!e.url && /^https?:\/\//i.test(e.url));
    return { kind: 'playlist', title: str(raw.title), extractor: (str(raw.extractor_key) ?? 'generic').toLowerCase(), entries };
  }
  return { kind: 'video', info: toMediaInfo(raw) };
}

export interface DownloadHooks {
  signal: AbortSignal;
  onSpawn(pid: number): void;
  /** Called once yt-dlp knows what it will download; return false to stop (a duplicate). */
  onInfo(info: MediaInfo): boolean;
  onProgress(p: RawProgress): void;
}

/** Runs one yt-dlp download into the staging folder; resolves with the final file path and what yt-dlp said about it. */
export async function downloadWithYtdlp(
  ctx: YtdlpContext,
  req: { url: string; quality: Quality; audioFormat: AudioFormat; stagingDir: string; playerClient: string | null },
  hooks: DownloadHooks,
): Promise<{ file: string | null; info: MediaInfo | null; stopped: boolean }> {
  let info: MediaInfo | null = null;
  let file: string | null = null;
  let stopped = false;
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  hooks.signal.addEventListener('abort', onOuterAbort, { once: true });
  if (hooks.signal.aborted) stop.abort();
  let part = 0;
  let lastName: string | null = null;

  const onLine = (line: string) => {
    if (line.startsWith(MARK_PROGRESS)) {
      const p = safeJson(line.slice(MARK_PROGRESS.length));
      if (!p || p.status === 'error') return;
      const name = str(p.filename);
      if (name !== lastName) {
        lastName = name;
        part++;
      }
      const parts = Math.max(info?.parts ?? 1, part);
      hooks.onProgress({
        downloadedBytes: num(p.downloaded_bytes) ?? 0,
        totalBytes: num(p.total_bytes) ?? num(p.total_bytes_estimate),
        speed: num(p.speed),
        etaSec: num(p.eta),
        part: Math.max(1, part),
        parts,
      });
    } else if (line.startsWith(MARK_INFO)) {
      const raw = safeJson(line.slice(MARK_INFO.length));
      if (!raw) return;
      info = toMediaInfo(raw);
      if (!hooks.onInfo(info)) {
        stopped = true;
        stop.abort();
      }
    } else if (line.startsWith(MARK_FILE)) {
      file = line.slice(MARK_FILE.length).trim() || null;
    }
  };

  try {
    const res = await runProcess(ctx.binary, downloadArgs(ctx, req), {
      env: childEnv(ctx),
      signal: stop.signal,
      onStdoutLine: onLine,
      onSpawn: (child) => child.pid && hooks.onSpawn(child.pid),
    });
    if (stopped) return { file: null, info, stopped: true };
    if (hooks.signal.aborted) throw new AppError('ERR_CANCELED', 'Canceled.');
    if (res.code !== 0) throw classifyYtdlpError(res.stderr, res.code);
    return { file, info, stopped: false };
  } finally {
    hooks.signal.removeEventListener('abort', onOuterAbort);
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
