/** System notifications when downloads finish, batched so a playlist does not bury the desktop in them. */
import { Notification } from 'electron';
import { UNFINISHED_STATES, type Job } from '../shared/contract';

export interface Notice {
  title: string;
  body: string;
}

const BATCH_MS = 2000;
const NAMED_IN_BODY = 3;

const nameOf = (job: Job) => job.title ?? job.url;

export function noticeFor(finished: readonly Job[]): Notice | null {
  const done = finished.filter((j) => j.state === 'completed');
  const failed = finished.filter((j) => j.state === 'failed');
  const [only] = finished;
  if (!only) return null;
  if (finished.length === 1) {
    return only.state === 'completed'
      ? { title: 'Download complete', body: nameOf(only) }
      : { title: 'Download failed', body: `${nameOf(only)}: ${only.error?.message ?? 'unknown error'}` };
  }
  const downloads = done.length === 1 ? '1 download complete' : `${done.length} downloads complete`;
  const title = [done.length ? downloads : '', failed.length ? `${failed.length} failed` : '']
    .filter(Boolean)
    .join(', ');
  const names = finished.slice(0, NAMED_IN_BODY).map(nameOf);
  const more = finished.length - names.length;
  return { title, body: more > 0 ? `${names.join('\n')}\n…and ${more} more` : names.join('\n') };
}

/**
 * Watches `job.updated` for single jobs that just finished: a job is announced only when it was last seen
 * unfinished, so re-sent updates of old jobs and duplicates recognised at add time stay quiet.
 */
export class JobNotifier {
  private readonly unfinished = new Set<number>();
  private batch: Job[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly show: (notice: Notice) => void,
    private readonly batchMs = BATCH_MS,
  ) {}

  observe(job: Job): void {
    if (job.kind !== 'single') return;
    if (UNFINISHED_STATES.includes(job.state)) {
      this.unfinished.add(job.id);
      return;
    }
    if (!this.unfinished.delete(job.id)) return;
    const downloaded = job.state === 'completed' && job.result === 'downloaded';
    if (!downloaded && job.state !== 'failed') return;
    this.batch.push(job);
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const notice = noticeFor(this.batch);
    this.batch = [];
    if (notice) this.show(notice);
  }
}

export function showNotice(notice: Notice, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: notice.title, body: notice.body });
  n.on('click', onClick);
  n.show();
}
