import { afterEach, describe, expect, it, vi } from 'vitest';
import { Notification } from './fake-electron';
import { JobNotifier, noticeFor, showNotice, type Notice } from '../../../src/main/notify';
import type { Job } from '../../../src/shared/contract';

vi.mock('electron', () => import('./fake-electron'));

function job(id: number, patch: Partial<Job>): Job {
  return {
    id,
    parentId: null,
    kind: 'single',
    url: `https://example.com/${id}`,
    canonicalUrl: `https://example.com/${id}`,
    state: 'queued',
    result: null,
    priority: 0,
    quality: 'best',
    audioFormat: 'm4a',
    title: `Clip ${id}`,
    source: null,
    extractor: null,
    videoId: null,
    itemId: null,
    error: null,
    tries: 0,
    nextAttemptAt: null,
    createdAt: 0,
    updatedAt: 0,
    finishedAt: null,
    progress: null,
    children: null,
    ...patch,
  };
}

const completed = (id: number) => job(id, { state: 'completed', result: 'downloaded' });
const failed = (id: number) => job(id, { state: 'failed', error: { code: 'ERR_HTTP_403', message: 'The site refused the download.' } });

afterEach(() => {
  vi.useRealTimers();
});

describe('notices', () => {
  it('names a single finished job, with the reason when it failed', () => {
    expect(noticeFor([completed(1)])).toEqual({ title: 'Download complete', body: 'Clip 1' });
    expect(noticeFor([failed(2)])).toEqual({ title: 'Download failed', body: 'Clip 2: The site refused the download.' });
    expect(noticeFor([job(3, { state: 'completed', result: 'downloaded', title: null })])!.body).toBe('https://example.com/3');
    expect(noticeFor([])).toBeNull();
  });

  it('sums up a batch and names its first few', () => {
    const notice = noticeFor([completed(1), completed(2), failed(3), completed(4), completed(5)]);
    expect(notice).toEqual({ title: '4 downloads complete, 1 failed', body: 'Clip 1\nClip 2\nClip 3\n…and 2 more' });
    expect(noticeFor([failed(1), failed(2)])!.title).toBe('2 failed');
  });
});

describe('JobNotifier', () => {
  function watch() {
    vi.useFakeTimers();
    const shown: Notice[] = [];
    return { notifier: new JobNotifier((n) => shown.push(n), 1000), shown };
  }

  it('announces jobs seen running that then finish, batched', async () => {
    const { notifier, shown } = watch();
    notifier.observe(job(1, { state: 'downloading' }));
    notifier.observe(job(2, { state: 'queued' }));
    notifier.observe(completed(1));
    notifier.observe(failed(2));
    expect(shown).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(shown).toEqual([{ title: '1 download complete, 1 failed', body: 'Clip 1\nClip 2' }]);
  });

  it('stays quiet for updates of jobs it never saw unfinished, duplicates, cancels and playlist parents', async () => {
    const { notifier, shown } = watch();
    notifier.observe(completed(1)); // an old job re-sent (priority change, parent refresh)
    notifier.observe(job(2, { state: 'resolving' }));
    notifier.observe(job(2, { state: 'completed', result: 'skipped_duplicate' }));
    notifier.observe(job(3, { state: 'downloading' }));
    notifier.observe(job(3, { state: 'canceled' }));
    notifier.observe(job(4, { kind: 'playlist', state: 'resolving' }));
    notifier.observe(job(4, { kind: 'playlist', state: 'completed', result: 'expanded' }));
    notifier.observe(completed(3)); // announced once at most: 3 was not seen unfinished again
    await vi.advanceTimersByTimeAsync(5000);
    expect(shown).toEqual([]);
  });

  it('announces a retried job again when it finishes again', async () => {
    const { notifier, shown } = watch();
    notifier.observe(job(1, { state: 'downloading' }));
    notifier.observe(failed(1));
    await vi.advanceTimersByTimeAsync(1000);
    notifier.observe(job(1, { state: 'queued' }));
    notifier.observe(completed(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(shown.map((n) => n.title)).toEqual(['Download failed', 'Download complete']);
  });
});

describe('showNotice', () => {
  it('shows a system notification that brings the window back when clicked', () => {
    const onClick = vi.fn();
    showNotice({ title: 'Download complete', body: 'Clip 1' }, onClick);
    const n = Notification.instances.at(-1)!;
    expect(n.options).toEqual({ title: 'Download complete', body: 'Clip 1' });
    expect(n.shown).toBe(true);
    n.emit('click');
    expect(onClick).toHaveBeenCalledOnce();
  });

  it('does nothing where the system has no notifications', () => {
    const before = Notification.instances.length;
    Notification.isSupported = () => false;
    showNotice({ title: 't', body: 'b' }, () => {});
    Notification.isSupported = () => true;
    expect(Notification.instances).toHaveLength(before);
  });
});
