import { describe, expect, it } from 'vitest';
import { envSecret, envSettings } from '../../src/main/engine/config';
import { routeFor, siteOf } from '../../src/main/engine/routing';
import { SettingsSchema } from '../../src/shared/contract';

describe('settings from the environment', () => {
  it('parses the documented variables into settings and ignores invalid ones with a reason', () => {
    const { settings, problems } = envSettings({
      APIFY_BASE_URL: 'http://127.0.0.1:9000',
      HUNTAPI_POLL_INTERVAL_S: '0.5',
      TIKTOK_DOWNLOAD_STRATEGY: 'scrapling-api',
      TIKTOK_CRAWL_HOST_PORT: '5681',
      VIDEO_MAX_FILE_SIZE_MB: 'lots',
      PEXELS_BASE_URL: 'ftp://nope',
      TIKTOK_DOWNLOAD_TIMEOUT: '',
    });
    expect(settings).toEqual({ apifyBaseUrl: 'http://127.0.0.1:9000', huntapiPollIntervalSec: 0.5, tiktokStrategy: 'scrapling-api', scraplingPort: 5681 });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/VIDEO_MAX_FILE_SIZE_MB/);
    expect(problems.join('\n')).toMatch(/PEXELS_BASE_URL/);
  });

  it('takes secrets from the first variable set (HUNTAPI_TOKEN, then HUNTAPI_KEY)', () => {
    expect(envSecret({ HUNTAPI_KEY: 'k2' }, 'huntapiToken')).toBe('k2');
    expect(envSecret({ HUNTAPI_TOKEN: 'k1', HUNTAPI_KEY: 'k2' }, 'huntapiToken')).toBe('k1');
    expect(envSecret({ APIFY_TOKEN: '  ' }, 'apifyToken')).toBeUndefined();
    expect(envSecret({ APIFY_TOKEN: 'x' }, 'proxy')).toBeUndefined();
  });
});

describe('routing', () => {
  const defaults = SettingsSchema.parse({});
  it('names the site of a link', () => {
    expect(siteOf('https://youtu.be/abc')).toBe('youtube');
    expect(siteOf('https://m.youtube.com/watch?v=x')).toBe('youtube');
    expect(siteOf('https://www.tiktok.com/@a/video/1')).toBe('tiktok');
    expect(siteOf('https://www.instagram.com/reel/x/')).toBe('instagram');
    expect(siteOf('http://127.0.0.1/v/a.MP4?x=1')).toBe('direct');
    expect(siteOf('http://127.0.0.1/hls/master.m3u8')).toBe('other');
    expect(siteOf('https://notyoutube.com/watch')).toBe('other');
  });

  it('builds the chain from settings: order per site, disabled providers left out, TikTok by strategy only', () => {
    expect(routeFor('https://youtu.be/abc', defaults, 'best').chain).toEqual(['yt-dlp', 'apify', 'huntapi']);
    const r = routeFor('https://youtu.be/abc', { ...defaults, disabledProviders: ['apify'] }, 'best');
    expect(r.chain).toEqual(['yt-dlp', 'huntapi']);
    expect(r.skipped).toEqual([{ provider: 'apify', reason: expect.stringContaining('disabled') }]);
    expect(routeFor('https://www.tiktok.com/@a/video/1', defaults, 'best').chain).toEqual(['yt-dlp']);
    expect(routeFor('https://www.tiktok.com/@a/video/1', { ...defaults, tiktokStrategy: 'scrapling-api' }, 'best').chain).toEqual(['scrapling']);
    expect(routeFor('http://h/a.mp4', defaults, 'best').chain).toEqual(['direct']);
    expect(routeFor('http://h/a.mp4', defaults, 'audio').chain).toEqual(['yt-dlp']);
    expect(routeFor('https://youtu.be/abc', defaults, 'best', 'direct').chain).toEqual(['direct']);
  });
});
