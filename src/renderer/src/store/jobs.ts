import { create } from 'zustand';
import {
  FINAL_STATES,
  RUNNING_STATES,
  UNFINISHED_STATES,
  type Attempt,
  type Job,
  type JobState,
  type MethodOutput,
  type Progress,
  type QueueSummary,
} from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';

/**
 * Top-level jobs held in memory. The queue is built for 10 000; past that the oldest finished jobs drop out of the
 * list (they stay in the database and the Stats screen), so a long-lived window never grows without bound.
 */
const MAX_JOBS = 10_000;
/** The contract's largest page. */
const PAGE_SIZE = 500;

export type JobAction = 'pause' | 'resume' | 'cancel' | 'retry';
const ACTION_METHODS = { pause: 'jobs.pause', resume: 'jobs.resume', cancel: 'jobs.cancel', retry: 'jobs.retry' } as const;

interface JobsData {
  byId: ReadonlyMap<number, Job>;
  /** Ids of `byId` in display order; recomputed only when a state or priority changes, never on progress. */
  order: readonly number[];
  /** Live progress of the jobs that have some, apart from `byId` so a progress tick never copies 10 000 jobs. */
  progress: ReadonlyMap<number, Progress>;
  /** Top-level jobs in the database, which can exceed what is held. */
  total: number;
  summary: QueueSummary | null;
  loaded: boolean;
  /** The last failed action, with the engine's sentence; cleared by the next successful load or dismiss. */
  error: string | null;
  selectedId: number | null;
  /** Attempts of the selected job, fetched with `jobs.get`. */
  attempts: { jobId: number; list: Attempt[] } | null;
  /** Children of expanded playlists, by parent id; only the selected playlist is expanded, which keeps it bounded. */
  children: ReadonlyMap<number, ReadonlyMap<number, Job>>;
}

interface JobsState extends JobsData {
  load(client: AppClient): Promise<void>;
  /** Applies `job.updated` and `job.progress` live; the returned function stops that and forgets everything. */
  subscribe(client: AppClient): () => void;
  select(client: AppClient, id: number | null): Promise<void>;
  /** Moves the selection by `delta` rows, staying within the list. */
  moveSelection(client: AppClient, delta: number): Promise<void>;
  act(client: AppClient, id: number, action: JobAction): Promise<void>;
  setPriority(client: AppClient, id: number, priority: number): Promise<void>;
  pauseAll(client: AppClient): Promise<void>;
  resumeAll(client: AppClient): Promise<void>;
  dismissError(): void;
}

const initial: JobsData = {
  byId: new Map(),
  order: [],
  progress: new Map(),
  total: 0,
  summary: null,
  loaded: false,
  error: null,
  selectedId: null,
  attempts: null,
  children: new Map(),
};

/** Running first, then what will run (by priority, then oldest, as the engine picks), paused, then finished newest first. */
function rank(state: JobState): number {
  if (RUNNING_STATES.includes(state)) return 0;
  if (state === 'queued' || state === 'retry_wait') return 1;
  if (state === 'paused') return 2;
  return 3;
}

function compareJobs(a: Job, b: Job): number {
  const byRank = rank(a.state) - rank(b.state);
  if (byRank !== 0) return byRank;
  if (rank(a.state) === 3) return (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt) || b.id - a.id;
  return b.priority - a.priority || a.id - b.id;
}

const isFinal = (job: Job) => FINAL_STATES.includes(job.state);

/** Sorts, and drops the oldest finished jobs (last in the order) beyond MAX_JOBS. */
function ordered(byId: Map<number, Job>, progress: Map<number, Progress>): number[] {
  const order = [...byId.values()].sort(compareJobs).map((job) => job.id);
  while (order.length > MAX_JOBS) {
    const last = byId.get(order[order.length - 1] ?? -1);
    if (!last || !isFinal(last)) break;
    order.pop();
    byId.delete(last.id);
    progress.delete(last.id);
  }
  return order;
}

/** A late or duplicate event must not undo a newer state. */
const isStale = (incoming: Job, current: Job | undefined) => current !== undefined && current.updatedAt > incoming.updatedAt;

/** Runs `task` at most once at a time; calls during a run make it run once more afterwards, with fresh data. */
function coalesced(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void task().finally(() => {
      running = false;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}

/**
 * Events waiting for the next animation frame. The engine sends up to four progress events a second per job;
 * applying each on arrival would re-render 200 times a second with 50 downloads, so they are applied together.
 */
interface Live {
  client: AppClient;
  jobs: Map<number, Job>;
  /** null: the job no longer reports progress. */
  progress: Map<number, Progress | null>;
  frame: number | null;
  /** While a full load runs, events wait so they land on top of its snapshot rather than under it. */
  loading: number;
  refreshSummary: () => void;
  refreshDetails: () => void;
}

let live: Live | null = null;

export const useJobs = create<JobsState>((set, get) => {
  const fail = (err: unknown) => set({ error: toAppError(err).message });

  const schedule = () => {
    if (live && live.frame === null && live.loading === 0) live.frame = requestAnimationFrame(flush);
  };

  const receive = (job: Job) => {
    if (!live) return;
    live.jobs.set(job.id, job);
    live.progress.set(job.id, job.progress);
    schedule();
  };

  /** Runs the actions that answer with a job; the answer is applied at once instead of waiting for its event. */
  const perform = async (run: () => Promise<Job>) => {
    try {
      receive(await run());
    } catch (err) {
      fail(err);
    }
  };

  function flush() {
    if (!live) return;
    live.frame = null;
    const jobs = [...live.jobs.values()];
    const progressUpdates = [...live.progress];
    live.jobs.clear();
    live.progress.clear();

    const state = get();
    let byId = state.byId;
    let order = state.order;
    let total = state.total;
    let children = state.children;
    const progress = new Map(state.progress);
    let touchesSelection = false;

    if (jobs.length > 0) {
      const nextById = new Map(byId);
      let reorder = false;
      for (const job of jobs) {
        if (job.parentId !== null) {
          const siblings = children.get(job.parentId);
          if (siblings && !isStale(job, siblings.get(job.id))) {
            children = new Map(children).set(job.parentId, new Map(siblings).set(job.id, job));
          }
          continue;
        }
        const current = nextById.get(job.id);
        if (isStale(job, current)) continue;
        // attempts come and go with state changes and tries; children are kept live above, without a refetch
        if (job.id === state.selectedId && (current?.state !== job.state || current.tries !== job.tries)) touchesSelection = true;
        if (!current) total++;
        reorder ||= !current || current.state !== job.state || current.priority !== job.priority;
        nextById.set(job.id, job);
      }
      if (reorder) order = ordered(nextById, progress);
      byId = nextById;
    }
    for (const [id, value] of progressUpdates) {
      const job = byId.get(id);
      // progress of a finished job is a straggler from before it finished
      if (!job || value === null || isFinal(job)) progress.delete(id);
      else progress.set(id, value);
    }
    set({ byId, order, total, children, progress });
    if (jobs.length > 0) live.refreshSummary();
    if (touchesSelection) live.refreshDetails();
  }

  const fetchDetails = async (client: AppClient, id: number) => {
    const details = await client.call('jobs.get', { id });
    if (get().selectedId !== id) return;
    set({
      attempts: { jobId: id, list: details.attempts },
      children: details.job.kind === 'playlist' ? new Map([[id, new Map(details.children.map((c) => [c.id, c]))]]) : new Map(),
    });
  };

  return {
    ...initial,

    async load(client) {
      // the subscription this load holds events for, even if it is replaced meanwhile (a remount)
      const gate = live?.client === client ? live : null;
      if (gate) gate.loading++;
      try {
        const loaded = new Map<number, Job>();
        let total = 0;
        // unfinished first: past MAX_JOBS it is finished jobs that are left out, never work still to do
        for (const states of [UNFINISHED_STATES, FINAL_STATES]) {
          // the first page always, for its total; `ordered` trims what goes past MAX_JOBS
          let offset = 0;
          let page: MethodOutput<'jobs.list'>;
          do {
            page = await client.call('jobs.list', { parentId: null, states: [...states], limit: PAGE_SIZE, offset });
            if (offset === 0) total += page.total;
            for (const job of page.jobs) loaded.set(job.id, job);
            offset += PAGE_SIZE;
          } while (page.jobs.length === PAGE_SIZE && loaded.size < MAX_JOBS);
        }
        const summary = await client.call('queue.summary', {});
        const progress = new Map<number, Progress>();
        for (const job of loaded.values()) if (job.progress && !isFinal(job)) progress.set(job.id, job.progress);
        const order = ordered(loaded, progress);
        const selectedId = get().selectedId;
        set({
          byId: loaded,
          order,
          progress,
          total,
          summary,
          loaded: true,
          error: null,
          selectedId: selectedId !== null && loaded.has(selectedId) ? selectedId : null,
        });
      } catch (err) {
        set({ loaded: true });
        fail(err);
      } finally {
        if (gate) gate.loading--;
        if (gate && gate === live) {
          if (gate.jobs.size > 0 || gate.progress.size > 0) schedule();
          gate.refreshDetails();
        }
      }
    },

    subscribe(client) {
      const current: Live = {
        client,
        jobs: new Map(),
        progress: new Map(),
        frame: null,
        loading: 0,
        refreshSummary: coalesced(async () => {
          try {
            set({ summary: await client.call('queue.summary', {}) });
          } catch (err) {
            fail(err);
          }
        }),
        refreshDetails: coalesced(async () => {
          const id = get().selectedId;
          if (id === null) return;
          try {
            await fetchDetails(client, id);
          } catch (err) {
            fail(err);
          }
        }),
      };
      live = current;
      const offs = [
        client.on('job.updated', receive),
        client.on('job.progress', ({ jobId, progress }) => {
          current.progress.set(jobId, progress);
          schedule();
        }),
      ];
      return () => {
        for (const off of offs) off();
        if (current.frame !== null) cancelAnimationFrame(current.frame);
        if (live === current) live = null;
        set(initial);
      };
    },

    async select(client, id) {
      if (id === get().selectedId) return;
      set({ selectedId: id, attempts: null, children: new Map() });
      if (id === null) return;
      try {
        await fetchDetails(client, id);
      } catch (err) {
        fail(err);
      }
    },

    async moveSelection(client, delta) {
      const { order, selectedId } = get();
      if (order.length === 0) return;
      const index = selectedId === null ? -1 : order.indexOf(selectedId);
      // with nothing selected, Down starts from the top and Up from the bottom
      const from = index !== -1 ? index : delta > 0 ? -1 : order.length;
      const next = Math.min(order.length - 1, Math.max(0, from + delta));
      await get().select(client, order[next] ?? null);
    },

    act: (client, id, action) => perform(() => client.call(ACTION_METHODS[action], { id })),

    setPriority: (client, id, priority) => perform(() => client.call('jobs.setPriority', { id, priority })),

    async pauseAll(client) {
      try {
        await client.call('queue.pauseAll', {});
      } catch (err) {
        fail(err);
      }
    },

    async resumeAll(client) {
      try {
        await client.call('queue.resumeAll', {});
      } catch (err) {
        fail(err);
      }
    },

    dismissError: () => set({ error: null }),
  };
});
