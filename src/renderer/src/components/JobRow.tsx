import { memo, type CSSProperties } from 'react';
import { RUNNING_STATES, UNFINISHED_STATES, type Job, type JobState, type Progress } from '../../../shared/contract';
import { formatDuration, formatSpeed } from '../../../shared/format';
import { useClient } from '../client/context';
import { jobTitle, sizeText, stateText } from '../format';
import { useJobs, type JobAction } from '../store/jobs';
import { Icon, type IconName } from './Icon';
import { ProgressBar } from './ProgressBar';
import { useNow } from './useNow';

/** Fixed, so the list can place rows by index without measuring them. */
export const ROW_HEIGHT = 76;

export const PAUSABLE: readonly JobState[] = ['queued', 'resolving', 'downloading', 'retry_wait'];
const RETRYABLE: readonly JobState[] = ['failed', 'canceled'];
/** Priority only decides what starts next, so it is offered for jobs that have not started or stopped. */
const REORDERABLE: readonly JobState[] = ['queued', 'paused', 'retry_wait'];
const PRIORITY_MIN = -100;
const PRIORITY_MAX = 100;

function percentOf(job: Job, progress: Progress | null): number | null {
  if (job.state === 'completed') return 100;
  if (job.children && job.children.total > 0) return ((job.children.completed + job.children.failed) / job.children.total) * 100;
  return progress?.percent ?? (RUNNING_STATES.includes(job.state) ? null : 0);
}

function details(job: Job, progress: Progress | null): string[] {
  if (job.state === 'failed' && job.error) return [job.error.message];
  if (job.children) {
    const { total, completed, failed } = job.children;
    return [`${completed} of ${total} videos done${failed ? `, ${failed} failed` : ''}`];
  }
  // while resolving nothing is downloaded yet, and "0 B" would read like a stalled download
  if (!progress || job.state === 'completed' || progress.phase === 'resolving') return [];
  const parts = [sizeText(progress)];
  if (job.state === 'downloading') {
    const speed = formatSpeed(progress.speed);
    if (speed) parts.push(speed);
    if (progress.etaSec !== null) parts.push(`${formatDuration(progress.etaSec)} left`);
  }
  return parts;
}

/** One job. It subscribes to its own job and progress only, so another job's progress never re-renders it. */
export const JobRow = memo(function JobRow({ id, index, count }: { id: number; index: number; count: number }) {
  const client = useClient();
  const job = useJobs((s) => s.byId.get(id));
  const progress = useJobs((s) => s.progress.get(id) ?? null);
  const selected = useJobs((s) => s.selectedId === id);
  const now = useNow(job?.state === 'retry_wait');
  if (!job) return null;

  const { act, setPriority, select } = useJobs.getState();
  const title = jobTitle(job);
  const run = (action: JobAction) => void act(client, id, action);
  // ±1: the engine starts the highest priority first and the oldest among equals, so one step already moves a job
  // ahead of (or behind) every job at its old level; bigger steps would only spend the -100…100 range faster.
  const move = (delta: 1 | -1) => void setPriority(client, id, job.priority + delta);
  const style: CSSProperties = { transform: `translateY(${index * ROW_HEIGHT}px)`, height: ROW_HEIGHT };

  return (
    <div
      role="listitem"
      aria-posinset={index + 1}
      aria-setsize={count}
      aria-current={selected ? 'true' : undefined}
      className="job-row"
      data-state={job.state}
      style={style}
      onClick={() => void select(client, id)}
    >
      <div className="job-main">
        <div className="job-line">
          <span className="job-title" title={title}>
            {title}
          </span>
          {job.source && <span className="job-source">{job.source}</span>}
          <span className="job-state">{stateText(job, now)}</span>
        </div>
        <ProgressBar percent={percentOf(job, progress)} label={`Progress of ${title}`} busy={RUNNING_STATES.includes(job.state)} />
        <div className={job.state === 'failed' ? 'job-meta job-error' : 'job-meta'}>
          {details(job, progress).map((part) => (
            <span key={part}>{part}</span>
          ))}
        </div>
      </div>
      <div className="job-actions">
        {REORDERABLE.includes(job.state) && (
          <>
            <IconButton label={`Move ${title} up`} icon="up" disabled={job.priority >= PRIORITY_MAX} onClick={() => move(1)} />
            <IconButton label={`Move ${title} down`} icon="down" disabled={job.priority <= PRIORITY_MIN} onClick={() => move(-1)} />
          </>
        )}
        {PAUSABLE.includes(job.state) && <IconButton label={`Pause ${title}`} icon="pause" onClick={() => run('pause')} />}
        {job.state === 'paused' && <IconButton label={`Resume ${title}`} icon="play" onClick={() => run('resume')} />}
        {RETRYABLE.includes(job.state) && <IconButton label={`Retry ${title}`} icon="retry" onClick={() => run('retry')} />}
        {UNFINISHED_STATES.includes(job.state) && <IconButton label={`Cancel ${title}`} icon="cancel" onClick={() => run('cancel')} />}
      </div>
    </div>
  );
});

function IconButton({ label, icon, disabled, onClick }: { label: string; icon: IconName; disabled?: boolean; onClick: () => void }) {
  return (
    <button type="button" className="icon" aria-label={label} title={label} disabled={disabled} onClick={onClick}>
      <Icon name={icon} />
    </button>
  );
}
