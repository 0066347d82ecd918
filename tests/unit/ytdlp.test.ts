import { describe, expect, it } from 'vitest';
import { SettingsSchema } from '../../src/shared/contract';
import { classifyYtdlpError } from '../../src/main/engine/providers/ytdlp-errors';
import { downloadArgs, formatArgs, isDirectMediaUrl, toMediaInfo, type YtdlpContext } from '../../src/main/engine/providers/ytdlp';
import { parseVersion } from '../../src/main/engine/binaries';

/** Real yt-dlp error lines (as printed by yt-dlp 2023–2026) and the code each must map to. */
const SAMPLES: Array<[string, string]> = [
  ['ERROR: Unsupported URL: https://example.com/', 'ERR_UNSUPPORTED_URL'],
  ['ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you\'ve been granted access to this video', 'ERR_UNAVAILABLE'],
  ['ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader', 'ERR_UNAVAILABLE'],
  ["ERROR: [youtube] abc: Sign in to confirm you're not a bot. Use --cookies-from-browser or --cookies for the authentication.", 'ERR_BOT_CHECK'],
  ['ERROR: [BBC] p0abc: This video is not available in your country due to geo restriction', 'ERR_GEO_BLOCKED'],
  ['ERROR: unable to download video data: HTTP Error 403: Forbidden', 'ERR_HTTP_403'],
  ['ERROR: [generic] None: Unable to download webpage: HTTP Error 404: File not found (caused by <HTTPError 404>)', 'ERR_UNAVAILABLE'],
  ['ERROR: [generic] None: Unable to download webpage: HTTP Error 503: Service Unavailable', 'ERR_HTTP_5XX'],
  ['ERROR: [youtube] abc: HTTP Error 429: Too Many Requests', 'ERR_HTTP_429'],
  ['ERROR: [generic] None: Unable to download webpage: <urlopen error [Errno 111] Connection refused>', 'ERR_NETWORK'],
  ['ERROR: unable to write data: [Errno 28] No space left on device', 'ERR_DISK'],
  ["ERROR: unable to open for writing: [Errno 30] Read-only file system: '/lib/x.part'", 'ERR_DISK'],
  ['ERROR: Postprocessing: file:o/media.mp4: Invalid data found when processing input', 'ERR_VALIDATION'],
  ['ERROR: something nobody has seen before', 'ERR_UNKNOWN'],
];

describe('yt-dlp errors', () => {
  it.each(SAMPLES)('%s → %s', (line, code) => {
    const err = classifyYtdlpError(`[generic] Extracting URL\nWARNING: noise\n${line}\n`, 1);
    expect(err.code).toBe(code);
    expect(err.message).not.toMatch(/please report this issue/);
    expect(err.message.length).toBeGreaterThan(30);
  });

  it('names bad options on exit code 2', () => {
    expect(classifyYtdlpError('yt-dlp: error: no such option: --color', 2).code).toBe('ERR_PROCESS');
  });
});

function ctx(over: Partial<YtdlpContext> = {}): YtdlpContext {
  return {
    binary: '/usr/bin/yt-dlp',
    features: { jsRuntimes: false, colorOption: false },
    settings: SettingsSchema.parse({}),
    secrets: {},
    jsRuntime: null,
    env: {},
    ...over,
  };
}

describe('yt-dlp arguments', () => {
  const req = { url: 'https://www.youtube.com/watch?v=abc', quality: '720p' as const, audioFormat: 'm4a' as const, stagingDir: '/lib/.staging/job-1', playerClient: 'tv' };

  it('puts the URL last, after --, with machine-readable progress and the final path', () => {
    const args = downloadArgs(ctx(), req);
    expect(args.slice(-2)).toEqual(['--', req.url]);
    expect(args).toContain('--ignore-config');
    expect(args[args.indexOf('--progress-template') + 1]).toMatch(/^download:\[clipharbor:progress\]%\(progress\)j$/);
    expect(args).toContain('after_move:[clipharbor:file]%(filepath)s');
    expect(args[args.indexOf('-o') + 1]).toBe('/lib/.staging/job-1/media.%(ext)s');
    expect(args[args.indexOf('--extractor-args') + 1]).toBe('youtube:player_client=tv');
    expect(args).toContain('--no-colors');
    expect(args).not.toContain('--js-runtimes');
  });

  it('uses --color and hands over our Node when the yt-dlp supports it', () => {
    const args = downloadArgs(ctx({ features: { jsRuntimes: true, colorOption: true }, jsRuntime: { path: '/opt/node22/bin/node', env: {} } }), req);
    expect(args).toContain('--color=never');
    expect(args[args.indexOf('--js-runtimes') + 1]).toBe('node:/opt/node22/bin/node');
    expect(args.indexOf('--js-runtimes')).toBeLessThan(args.indexOf('--'));
  });

  it('maps quality presets to format selection', () => {
    expect(formatArgs('best', 'm4a')).toEqual(['-f', 'bv*+ba/b', '--merge-output-format', 'mp4/mkv']);
    expect(formatArgs('1080p', 'm4a')).toContain('res:1080');
    expect(formatArgs('audio', 'mp3')).toEqual(['-f', 'ba/b', '-x', '--audio-format', 'mp3']);
  });

  it('passes speed limit, cookies and proxy only when set, and no player client for "default"', () => {
    const settings = SettingsSchema.parse({ speedLimitKBps: 500 });
    const args = downloadArgs(ctx({ settings, secrets: { cookiesFile: '/c.txt', proxy: 'socks5://127.0.0.1:9050' } }), { ...req, playerClient: 'default' });
    expect(args[args.indexOf('-r') + 1]).toBe('500K');
    expect(args[args.indexOf('--cookies') + 1]).toBe('/c.txt');
    expect(args[args.indexOf('--proxy') + 1]).toBe('socks5://127.0.0.1:9050');
    expect(args).not.toContain('--extractor-args');
    expect(downloadArgs(ctx(), req)).not.toContain('--cookies');
  });

  it('recognises direct media links', () => {
    expect(isDirectMediaUrl('http://h/a/b.MP4?x=1')).toBe(true);
    expect(isDirectMediaUrl('http://h/live/master.m3u8')).toBe(true);
    expect(isDirectMediaUrl('https://www.youtube.com/watch?v=x')).toBe(false);
  });

  it('reads info fields tolerantly', () => {
    const info = toMediaInfo({ id: 'x', extractor_key: 'Youtube', channel: 'Chan', requested_formats: [{}, {}], duration: 'NA' });
    expect(info).toMatchObject({ id: 'x', extractor: 'youtube', uploader: 'Chan', parts: 2, durationSec: null, title: null });
  });
});

describe('versions', () => {
  it('parses yt-dlp and ffmpeg version output', () => {
    expect(parseVersion('yt-dlp', '2023.03.04\n')).toBe('2023.03.04');
    expect(parseVersion('ffmpeg', 'ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024')).toBe('5.1.6-0+deb12u1');
    expect(parseVersion('yt-dlp', 'Traceback (most recent call last):')).toBeNull();
  });
});
