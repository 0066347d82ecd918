import { Fragment } from 'react';
import type { Attempt, Job } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { adviceFor, formatElapsed, formatTime, jobTitle, providerLabel, stateText } from '../format';
import { useJobs } from '../store/jobs';
import { useNow } from './useNow';

/** Everything known about the selected job: where it came from, each provider attempt, and what to do on failure. */
export function JobDetails() {
  const job = useJobs((s) => (s.selectedId === null ? undefined : s.byId.get(s.selectedId)));
  return (
    <section role="region" aria-label="Job details" className="details">
      {job ? <Details job={job} /> : <p className="muted">Select a job to see its link, attempts and errors.</p>}
    </section>
  );
}

function Details({ job }: { job: Job }) {
  const attempts = useJobs((s) => (s.attempts?.jobId === job.id ? s.attempts.list : null));
  const children = useJobs((s) => s.children.get(job.id));
  const now = useNow(job.state === 'retry_wait');
  const advice = job.error ? adviceFor(job.error.code) : null;

  return (
    <>
      <h3 className="details-title">{jobTitle(job)}</h3>
      <dl className="facts">
        <dt>Link</dt>
        <dd className="url">{job.url}</dd>
        <dt>State</dt>
        <dd>{stateText(job, now)}</dd>
        <dt>Quality</dt>
        <dd>{job.quality === 'audio' ? `audio (${job.audioFormat})` : job.quality}</dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <dt>Added</dt>
        <dd>{formatTime(job.createdAt)}</dd>
        {job.finishedAt !== null && (
          <>
            <dt>Finished</dt>
            <dd>{formatTime(job.finishedAt)}</dd>
          </>
        )}
      </dl>
      {job.error && (
        <div className="error-box">
          <p>
            <code>{job.error.code}</code> {job.error.message}
          </p>
          {advice && <p className="advice">{advice}</p>}
        </div>
      )}
      <h4>Attempts</h4>
      {attempts === null ? (
        <p className="muted">Loading…</p>
      ) : attempts.length === 0 ? (
        <p className="muted">Not tried yet.</p>
      ) : (
        <AttemptList attempts={attempts} />
      )}
      {children && (
        <>
          <h4>Videos in this playlist</h4>
          <ul className="children" aria-label="Videos in this playlist">
            {[...children.values()].map((child) => (
              <li key={child.id}>
                <span className="child-title">{jobTitle(child)}</span> <span className="job-state">{stateText(child, now)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** A value a provider reported, as text: booleans read as words, a missing value as a dash. */
function detailText(value: string | number | boolean | null): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** A list rather than a table: error sentences are long and the panel is narrow. */
function AttemptList({ attempts }: { attempts: Attempt[] }) {
  return (
    <ol className="attempts" aria-label="Attempts">
      {attempts.map((attempt) => {
        const detail = Object.entries(attempt.detail ?? {});
        return (
          <li key={attempt.id}>
            <div className="attempt-head">
              <strong>{providerLabel(attempt.provider)}</strong>
              {attempt.variant && <span>{attempt.variant}</span>}
              {attempt.fallback && (
                <span className="attempt-fallback" title="Tried because an earlier provider had failed for this job">
                  fallback
                </span>
              )}
              <span>{formatTime(attempt.startedAt)}</span>
              <span>{attempt.endedAt === null ? 'running' : formatElapsed(attempt.endedAt - attempt.startedAt)}</span>
              {attempt.bytes !== null && <span>{formatBytes(attempt.bytes)}</span>}
            </div>
            {attempt.error ? (
              <p className="attempt-error">
                <code>{attempt.error.code}</code> {attempt.error.message}
              </p>
            ) : (
              attempt.endedAt !== null && <p className="attempt-ok">Succeeded</p>
            )}
            {(attempt.remoteId !== null || detail.length > 0) && (
              <dl className="attempt-facts">
                {attempt.remoteId !== null && (
                  <>
                    <dt>remote id</dt>
                    <dd>{attempt.remoteId}</dd>
                  </>
                )}
                {detail.map(([key, value]) => (
                  <Fragment key={key}>
                    <dt>{key}</dt>
                    <dd>{detailText(value)}</dd>
                  </Fragment>
                ))}
              </dl>
            )}
          </li>
        );
      })}
    </ol>
  );
}
