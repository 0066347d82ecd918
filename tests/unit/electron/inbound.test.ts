import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeEngine, stopAll } from '../../support/engine';
import { ClipboardWatcher, enqueue, urlsFromArgs, urlsInText } from '../../../src/main/inbound';

afterAll(stopAll);
afterEach(() => {
  vi.useRealTimers();
});

const deep = (...urls: string[]) => `clipharbor://add?${urls.map((u) => `url=${encodeURIComponent(u)}`).join('&')}`;

describe('links from argv and deep links', () => {
  it('reads clipharbor://add?url=… with one or several links', () => {
    expect(urlsFromArgs([deep('https://example.com/watch?v=1&t=2')]).urls).toEqual(['https://example.com/watch?v=1&t=2']);
    expect(urlsFromArgs([deep('https://a.example/1', 'http://b.example/2')]).urls).toEqual(['https://a.example/1', 'http://b.example/2']);
  });

  it('accepts the spellings Windows and macOS hand over', () => {
    const link = encodeURIComponent('https://a.example/1');
    for (const arg of [`clipharbor://add/?url=${link}`, `CLIPHARBOR://add?url=${link}`, `clipharbor:add?url=${link}`]) {
      expect(urlsFromArgs([arg]), arg).toEqual({ urls: ['https://a.example/1'], rejected: [] });
    }
  });

  it('takes http(s) links from a launch argv and ignores the executable, app folder and Chromium switches', () => {
    const argv = ['/usr/lib/clipharbor/clipharbor', '.', '--allow-file-access-from-files', '--original-process-start-time=1', 'https://a.example/1', 'HTTP://B.example/2', 'https://a.example/1'];
    expect(urlsFromArgs(argv)).toEqual({ urls: ['https://a.example/1', 'http://b.example/2'], rejected: [] });
  });

  it('rejects, with a reason, deep links that carry something other than a web link', () => {
    const cases = [
      deep('--exec=rm -rf ~'),
      deep('-o /etc/passwd'),
      deep('file:///etc/passwd'),
      deep('javascript:alert(1)'),
      deep('https://a.example/1\nhttps://b.example/2'),
      deep(''),
      'clipharbor://add',
      'clipharbor://delete?url=https%3A%2F%2Fa.example',
      'clipharbor://',
      'clipharbor:%%%',
    ];
    for (const arg of cases) {
      const { urls, rejected } = urlsFromArgs([arg]);
      expect(urls, arg).toEqual([]);
      expect(rejected, arg).toHaveLength(1);
      expect(rejected[0]!.message, arg).toMatch(/\w+/);
    }
  });

  it('keeps the good links of a deep link that also holds bad ones', () => {
    const { urls, rejected } = urlsFromArgs([deep('https://a.example/1', 'ftp://b.example/2')]);
    expect(urls).toEqual(['https://a.example/1']);
    expect(rejected).toEqual([{ input: 'ftp://b.example/2', message: expect.stringContaining('http') }]);
  });
});

describe('links in copied text', () => {
  it('finds http(s) links in prose and markup, and nothing else', () => {
    const text = `Watch <https://a.example/v/1> and (see https://en.wikipedia.org/wiki/Foo_(bar)), then
      "http://b.example/2". Not these: ftp://c.example/3 www.d.example -https://e.example javascript:alert(1) https://a.example/v/1.`;
    expect(urlsInText(text)).toEqual(['https://a.example/v/1', 'https://en.wikipedia.org/wiki/Foo_(bar)', 'http://b.example/2']);
    expect(urlsInText('just some words')).toEqual([]);
  });
});

describe('clipboard watcher', () => {
  function watcher(initial: string) {
    vi.useFakeTimers();
    let text = initial;
    const found: string[][] = [];
    const w = new ClipboardWatcher(async () => text, (urls) => found.push(urls), 1000);
    return { w, found, copy: (t: string) => (text = t) };
  }

  it('ignores what was on the clipboard before it started, then reports each newly copied text once', async () => {
    const { w, found, copy } = watcher('https://before.example/0');
    w.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(found).toEqual([]);
    copy('look: https://a.example/1 https://b.example/2');
    await vi.advanceTimersByTimeAsync(1000);
    expect(found).toEqual([['https://a.example/1', 'https://b.example/2']]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(found).toHaveLength(1);
    copy('no links here');
    await vi.advanceTimersByTimeAsync(1000);
    copy('look: https://a.example/1 https://b.example/2'); // the same text again: not twice
    await vi.advanceTimersByTimeAsync(1000);
    copy('https://before.example/0'); // seen at start: not new either
    await vi.advanceTimersByTimeAsync(1000);
    expect(found).toHaveLength(1);
    copy('https://c.example/3');
    await vi.advanceTimersByTimeAsync(1000);
    expect(found).toEqual([['https://a.example/1', 'https://b.example/2'], ['https://c.example/3']]);
  });

  it('reads nothing once stopped', async () => {
    const { w, found, copy } = watcher('');
    w.start();
    await vi.advanceTimersByTimeAsync(1000);
    w.stop();
    copy('https://a.example/1');
    await vi.advanceTimersByTimeAsync(5000);
    expect(found).toEqual([]);
  });

  it('survives a failing clipboard read', async () => {
    vi.useFakeTimers();
    const read = vi.fn<() => Promise<string>>().mockResolvedValueOnce('').mockRejectedValueOnce(new Error('busy')).mockResolvedValue('https://a.example/1');
    const found: string[][] = [];
    const w = new ClipboardWatcher(read, (urls) => found.push(urls), 1000);
    w.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(found).toEqual([['https://a.example/1']]);
    w.stop();
  });
});

describe('enqueue', () => {
  it('adds checked links as jobs on the real engine and reports the rejected ones', async () => {
    const { engine } = makeEngine();
    const inbound = urlsFromArgs([deep('https://a.example/v.mp4', 'not a link')]);
    const { created, problems } = await enqueue(engine, inbound);
    expect(created).toBe(1);
    expect(problems).toHaveLength(1);
    const { jobs } = await engine.call('jobs.list', {});
    expect(jobs.map((j) => j.url)).toEqual(['https://a.example/v.mp4']);
  });

  it('reports an engine refusal instead of throwing', async () => {
    const { engine } = makeEngine({ env: { PATH: '' } });
    const { created, problems } = await enqueue(engine, { urls: ['https://a.example/v.mp4'], rejected: [] });
    expect(created).toBe(0);
    // no ffprobe/ffmpeg (checked for every link) and no yt-dlp: the first missing one is named
    expect(problems).toEqual([expect.stringMatching(/ffprobe was not found/)]);
  });

  it('asks nothing of the engine when there is nothing to add', async () => {
    const call = vi.fn();
    expect(await enqueue({ call }, { urls: [], rejected: [{ input: 'x', message: 'bad' }] })).toEqual({ created: 0, problems: ['bad'] });
    expect(call).not.toHaveBeenCalled();
  });
});
