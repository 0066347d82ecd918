/**
 * `window.clipharbor`: the typed, allowlisted client the sandboxed renderer gets. Only contract methods are invoked
 * and only contract events are delivered; the page never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { isMethodName, type EventName, type MethodInput, type MethodName, type MethodOutput } from '../shared/contract';
import type { ErrorCode } from '../shared/errors';
import { IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, isEventName, type Envelope, type EventFrame, type PreloadApi } from '../shared/wire';

/** The part of ipcRenderer the client uses, so tests can hand in a fake. */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export const MAX_BUFFERED_EVENTS = 2000;

type Handler = (payload: unknown) => void;

/**
 * Holds events that arrive before the renderer subscribes (the preload listens from the start, React mounts later),
 * per event name, until the first handler for that name. Bounded: when full, progress frames go first because the
 * next one supersedes them; then the oldest frame of any kind.
 */
export class EventBuffer {
  private readonly handlers = new Map<EventName, Set<Handler>>();
  private readonly pending = new Map<EventName, Array<{ seq: number; payload: unknown }>>();
  private size = 0;
  private seq = 0;

  constructor(private readonly max = MAX_BUFFERED_EVENTS) {}

  push(frame: EventFrame): void {
    const live = this.handlers.get(frame.event);
    if (live) {
      for (const handler of [...live]) deliver(handler, frame.payload);
      return;
    }
    if (this.size >= this.max) this.dropOne();
    const queue = this.pending.get(frame.event) ?? [];
    queue.push({ seq: this.seq++, payload: frame.payload });
    this.pending.set(frame.event, queue);
    this.size++;
  }

  subscribe(event: EventName, handler: Handler): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    const backlog = this.pending.get(event);
    if (backlog) {
      this.pending.delete(event);
      this.size -= backlog.length;
      for (const { payload } of backlog) deliver(handler, payload);
    }
    return () => {
      set.delete(handler);
    };
  }

  private dropOne(): void {
    const progress = this.pending.get('job.progress');
    let victim: EventName | undefined = progress?.length ? 'job.progress' : undefined;
    if (!victim) {
      let oldest = Infinity;
      for (const [name, queue] of this.pending) {
        const head = queue[0];
        if (head && head.seq < oldest) {
          oldest = head.seq;
          victim = name;
        }
      }
    }
    if (!victim) return;
    const queue = this.pending.get(victim)!;
    queue.shift();
    if (queue.length === 0) this.pending.delete(victim);
    this.size--;
  }
}

/** One renderer handler throwing must not keep the event from the others. */
function deliver(handler: Handler, payload: unknown): void {
  try {
    handler(payload);
  } catch (err) {
    console.error('clipharbor: an event handler failed', err);
  }
}

function failed<T>(code: ErrorCode, message: string): Envelope<T> {
  return { ok: false, error: { code, message } };
}

export function createPreloadApi(ipc: IpcLike, platform: string): PreloadApi {
  const buffer = new EventBuffer();
  ipc.on(IPC_EVENT_CHANNEL, (_event, frame) => {
    const f = frame as Partial<EventFrame> | null;
    if (f && isEventName(f.event)) buffer.push(f as EventFrame);
  });
  async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Envelope<MethodOutput<M>>> {
    if (!isMethodName(method)) return failed('ERR_INVALID_INPUT', `Unknown command "${String(method)}".`);
    try {
      return (await ipc.invoke(IPC_CALL_PREFIX + method, input)) as Envelope<MethodOutput<M>>;
    } catch (err) {
      // input that cannot be cloned (functions, DOM nodes) never reaches the main process
      return failed('ERR_UNKNOWN', `The command ${method} could not be sent: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // A plain object: contextBridge copies own properties only, so class methods would not cross it.
  const api: PreloadApi = {
    platform,
    call,
    on: (event, handler) => {
      if (!isEventName(event)) throw new Error(`Unknown event "${String(event)}".`);
      if (typeof handler !== 'function') throw new Error(`The handler for ${event} must be a function.`);
      return buffer.subscribe(event, handler as Handler);
    },
  };
  return api;
}

contextBridge.exposeInMainWorld('clipharbor', createPreloadApi(ipcRenderer, process.platform));
