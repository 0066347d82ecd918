import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_DIR, makeMedia, DEFAULT_CLIPS } from '../support/media-server';
import { download, makeEngine, stopAll, tempDir } from '../support/engine';

const FAKE = path.resolve('tests/support/fake-ytdlp.mjs');

afterEach(stopAll);

async function fakeEngine(failing: string[]) {
  await makeMedia(DEFAULT_MEDIA_DIR, DEFAULT_CLIPS);
  const log = path.join(tempDir('fake-log'), 'argv.jsonl');
  const env = {
    ...process.env,
    YTDLP_PATH: FAKE,
    FAKE_YTDLP_LOG: log,
    FAKE_YTDLP_FAIL: failing.join(','),
    FAKE_YTDLP_MEDIA: path.join(DEFAULT_MEDIA_DIR, 'v', 'clip-5.mp4'),
  };
  const t = makeEngine({ env, overrides: { youtubePlayerClients: ['default', 'tv', 'web_safari', 'android_vr'] } });
  const calls = () => fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
  return { ...t, calls };
}

describe('YouTube player-client fallback (yt-dlp stand-in: YouTube is not reachable here)', () => {
  it('tries the next player client after a bot check, one attempt row per try', async () => {
    const { engine, calls } = await fakeEngine(['default', 'tv']);
    const [job] = await download(engine, ['https://youtu.be/abc123XYZ_0?si=share']);
    expect(job!.state).toBe('completed');
    expect(job!.canonicalUrl).toBe('https://www.youtube.com/watch?v=abc123XYZ_0');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => [a.provider, a.variant, a.error?.code ?? null])).toEqual([
      ['yt-dlp', 'default', 'ERR_BOT_CHECK'],
      ['yt-dlp', 'tv', 'ERR_BOT_CHECK'],
      ['yt-dlp', 'web_safari', null],
    ]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item).toMatchObject({ source: 'youtube', extractor: 'youtube', videoId: 'abc123XYZ_0', uploader: 'Fake Channel' });
    expect(item.path).toBe('youtube/Fake Channel/Fake video abc123XYZ_0 [abc123XYZ_0].mp4');

    const downloads = calls().filter((a) => a.includes('--progress-template'));
    expect(downloads).toHaveLength(3);
    for (const args of downloads) {
      expect(args.at(-2)).toBe('--');
      expect(args).toContain('--color=never');
      expect(args[args.indexOf('--js-runtimes') + 1]).toBe(`node:${process.execPath}`);
    }
    expect(downloads[0]).not.toContain('--extractor-args');
    expect(downloads[1]![downloads[1]!.indexOf('--extractor-args') + 1]).toBe('youtube:player_client=tv');
  });

  it('fails with the first error and a sentence to act on when every client fails', async () => {
    const { engine } = await fakeEngine(['default', 'tv', 'web_safari', 'android_vr']);
    const [job] = await download(engine, ['https://www.youtube.com/watch?v=zzz']);
    expect(job!.state).toBe('failed');
    expect(job!.error?.code).toBe('ERR_BOT_CHECK');
    expect(job!.error?.message).toMatch(/cookies file in Settings/);
    expect((await engine.call('jobs.get', { id: job!.id })).attempts).toHaveLength(4);
  });

  it('does not try other clients for errors another client cannot fix', async () => {
    const { engine } = await fakeEngine([]);
    const [job] = await download(engine, ['https://www.youtube.com/watch?v=ok1']);
    expect(job!.state).toBe('completed');
    expect((await engine.call('jobs.get', { id: job!.id })).attempts).toHaveLength(1);
  });
});
