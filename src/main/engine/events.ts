import type { EventName, EventPayload, Progress } from '../../shared/contract';

type Handler<E extends EventName> = (payload: EventPayload<E>) => void;

/** Typed event fan-out; a throwing listener never breaks the engine or other listeners. */
export class EventBus {
  private readonly handlers = new Map<EventName, Set<(payload: never) => void>>();

  on<E extends EventName>(event: E, handler: Handler<E>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of set) {
      try {
        (h as Handler<E>)(payload);
      } catch {
        // listeners are front ends; their faults stay theirs
      }
    }
  }
}

/** Holds each job's latest progress and emits `job.progress` at most once per interval per job (trailing edge kept). */
export class ProgressCoalescer {
  private readonly latest = new Map<number, Progress>();
  private readonly lastSent = new Map<number, number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly bus: EventBus,
    private readonly intervalMs = 250,
  ) {}

  get(jobId: number): Progress | null {
    return this.latest.get(jobId) ?? null;
  }

  set(jobId: number, progress: Progress): void {
    this.latest.set(jobId, progress);
    if (this.timers.has(jobId)) return;
    const wait = (this.lastSent.get(jobId) ?? 0) + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.flush(jobId);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(jobId);
      this.flush(jobId);
    }, wait);
    timer.unref();
    this.timers.set(jobId, timer);
  }

  private flush(jobId: number): void {
    const progress = this.latest.get(jobId);
    if (!progress) return;
    this.lastSent.set(jobId, Date.now());
    this.bus.emit('job.progress', { jobId, progress });
  }

  /**
   * The worker stopped: nothing more is sent for this job. A paused or re-queued job keeps its last figures (its
   * partial data is still there, so the bar should not drop to zero); a finished one forgets them.
   */
  stop(jobId: number, keepLatest: boolean): void {
    const timer = this.timers.get(jobId);
    if (timer) clearTimeout(timer);
    this.timers.delete(jobId);
    this.lastSent.delete(jobId);
    if (!keepLatest) this.latest.delete(jobId);
  }
}
