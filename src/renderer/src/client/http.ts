import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { errorFromWire, HTTP_API_PREFIX, HTTP_EVENTS_PATH, isEventName, mediaPath } from '../../../shared/wire';
import type { AppClient, ConnectionState } from './types';

/** Reconnect delays: quick enough after a server restart, gentle enough not to hammer a server that is down. */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

export interface HttpClientOptions {
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
}

type AnyHandler = (payload: never) => void;

/**
 * The browser transport for `clipharbor serve`: one POST per call, one WebSocket for every event. The socket opens
 * with the first subscriber and closes when the last one leaves; while anyone listens, a dropped socket comes back.
 */
export function createHttpClient(origin: string, opts: HttpClientOptions = {}): AppClient {
  const base = origin.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const Socket = opts.WebSocket ?? globalThis.WebSocket;
  const eventsUrl = new URL(HTTP_EVENTS_PATH, `${base}/`);
  eventsUrl.protocol = eventsUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  const handlers = new Map<EventName, Set<AnyHandler>>();
  const connectionHandlers = new Set<(state: ConnectionState) => void>();
  let socket: WebSocket | null = null;
  let retryDelay = RECONNECT_MIN_MS;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let reconnecting = false;

  const unreachable = () =>
    new AppError('ERR_NETWORK', `Cannot reach the ClipHarbor server at ${base} — is \`clipharbor serve\` still running?`);

  const listening = () => [...handlers.values()].some((set) => set.size > 0);

  const report = (state: ConnectionState) => {
    for (const handler of connectionHandlers) handler(state);
  };

  const dispatch = (data: unknown) => {
    if (typeof data !== 'string') return;
    let frame: { event?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (!isEventName(frame.event)) return;
    for (const handler of handlers.get(frame.event) ?? []) {
      // one faulty screen must not starve the others of the event
      try {
        (handler as (payload: unknown) => void)(frame.payload);
      } catch (err) {
        reportError(err);
      }
    }
  };

  const open = () => {
    const ws = new Socket(eventsUrl.href);
    socket = ws;
    ws.onopen = () => {
      retryDelay = RECONNECT_MIN_MS;
      if (reconnecting) {
        reconnecting = false;
        report('connected');
      }
    };
    ws.onmessage = (message) => dispatch(message.data);
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (!reconnecting) {
        reconnecting = true;
        report('reconnecting');
      }
      retryTimer = setTimeout(() => {
        retryTimer = null;
        open();
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, RECONNECT_MAX_MS);
    };
  };

  const close = () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const ws = socket;
    socket = null;
    ws?.close();
  };

  return {
    host: 'browser',

    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      let status = 0;
      let body: unknown;
      try {
        const res = await doFetch(base + HTTP_API_PREFIX + method, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
        status = res.status;
        body = await res.json();
      } catch {
        // a refused connection and a proxy's HTML error page both mean our server is not the one answering
        throw unreachable();
      }
      if (body && typeof body === 'object' && 'ok' in body && body.ok === true && 'result' in body) {
        return body.result as MethodOutput<M>;
      }
      const error = errorFromWire(body, `The ClipHarbor server answered ${status} without saying why.`);
      throw new AppError(error.code, error.message);
    },

    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      let set = handlers.get(event);
      if (!set) {
        set = new Set();
        handlers.set(event, set);
      }
      set.add(handler as AnyHandler);
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
      if (!socket && !retryTimer) open();
      return () => {
        set.delete(handler as AnyHandler);
        // Deferred, so a screen that resubscribes right away (React StrictMode, a remount) keeps the same socket.
        if (!listening() && !idleTimer) {
          idleTimer = setTimeout(() => {
            idleTimer = null;
            if (!listening()) close();
          }, 0);
        }
      };
    },

    mediaUrl: (itemId, kind) => base + mediaPath(itemId, kind),

    onConnection(handler) {
      connectionHandlers.add(handler);
      return () => connectionHandlers.delete(handler);
    },
  };
}
