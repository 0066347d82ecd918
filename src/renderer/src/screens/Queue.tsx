import { useEffect } from 'react';
import type { QueueSummary } from '../../../shared/contract';
import { useClient } from '../client/context';
import type { AppClient } from '../client/types';
import { Icon } from '../components/Icon';
import { JobDetails } from '../components/JobDetails';
import { JobList } from '../components/JobList';
import { PAUSABLE } from '../components/JobRow';
import { hasModifier, isInteractive } from '../components/keys';
import { useJobs } from '../store/jobs';

export function Queue() {
  const client = useClient();
  const count = useJobs((s) => s.order.length);
  const total = useJobs((s) => s.total);
  const loaded = useJobs((s) => s.loaded);
  const error = useJobs((s) => s.error);
  const { pauseAll, resumeAll, dismissError } = useJobs.getState();
  useSpaceToPause(client);

  return (
    <section className="screen queue" aria-labelledby="queue-heading">
      <div className="screen-head">
        <h2 id="queue-heading">Queue</h2>
        <Summary />
        <div className="toolbar">
          <button type="button" onClick={() => void pauseAll(client)}>
            Pause all
          </button>
          <button type="button" onClick={() => void resumeAll(client)}>
            Resume all
          </button>
        </div>
      </div>
      {error && (
        <div role="alert" className="alert alert-row">
          <p>{error}</p>
          <button type="button" className="icon" aria-label="Dismiss the error" onClick={dismissError}>
            <Icon name="cancel" />
          </button>
        </div>
      )}
      {count > 0 ? (
        <div className="queue-body">
          <div className="queue-list">
            <JobList />
            {total > count && (
              <p className="muted small">
                Showing {count.toLocaleString()} of {total.toLocaleString()} jobs: the oldest finished ones are left out.
              </p>
            )}
          </div>
          <JobDetails />
        </div>
      ) : loaded ? (
        <div className="empty">
          <p className="empty-title">Nothing in the queue</p>
          <p>
            Paste links into <strong>Add URLs</strong> above, press Ctrl+V (⌘V on a Mac) anywhere in the window, or drop links from
            your browser onto it.
          </p>
        </div>
      ) : (
        <p className="muted">Loading the queue…</p>
      )}
    </section>
  );
}

const SUMMARY_LABELS: Array<[keyof QueueSummary, string]> = [
  ['active', 'active'],
  ['queued', 'queued'],
  ['retrying', 'retrying'],
  ['paused', 'paused'],
  ['failed', 'failed'],
];

function Summary() {
  const summary = useJobs((s) => s.summary);
  if (!summary) return null;
  return (
    <ul className="summary" aria-label="Queue summary">
      {SUMMARY_LABELS.filter(([key]) => key !== 'retrying' || summary.retrying > 0).map(([key, label]) => (
        <li key={key} data-kind={key}>
          <strong>{summary[key]}</strong> {label}
        </li>
      ))}
    </ul>
  );
}

/** Space toggles the selected job, as in media players; not while a control that Space itself activates has focus. */
function useSpaceToPause(client: AppClient): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== ' ' || hasModifier(event) || isInteractive(event.target)) return;
      const { selectedId, byId, act } = useJobs.getState();
      const job = selectedId === null ? undefined : byId.get(selectedId);
      if (!job) return;
      const action = job.state === 'paused' ? 'resume' : PAUSABLE.includes(job.state) ? 'pause' : null;
      if (!action) return;
      event.preventDefault();
      void act(client, job.id, action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client]);
}
