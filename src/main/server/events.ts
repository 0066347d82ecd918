/** Engine events to every connected browser over one WebSocket each (`/api/events`), as `{event, payload}` frames. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EVENT_NAMES, type EventName, type EventPayload } from '../../shared/contract';
import type { EventFrame } from '../../shared/wire';
import type { Engine } from '../engine';
import type { Logger } from '../engine/log';

const PING_EVERY_MS = 30_000;
/** Past this much unsent data a client is not keeping up: progress frames for it are skipped (the next supersedes them). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How long closing waits for browsers to acknowledge before cutting them off. */
const CLOSE_GRACE_MS = 1000;

export interface EventHub {
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function createEventHub(engine: Engine, log: Logger): EventHub {
  // clients never send anything meaningful, so a tiny payload limit costs nothing
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();

  const broadcast = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    if (wss.clients.size === 0) return;
    const frame: EventFrame<E> = { event, payload };
    const data = JSON.stringify(frame);
    for (const ws of wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (event === 'job.progress' && ws.bufferedAmount > MAX_BUFFERED_BYTES) continue;
      ws.send(data);
    }
  };
  const offs = EVENT_NAMES.map((name) => engine.on(name, (payload) => broadcast(name, payload)));

  // a browser that slept or lost its network never sends a close frame; missing one pong is enough to drop it
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_EVERY_MS);
  pinger.unref();

  return {
    accept(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        alive.set(ws, true);
        ws.on('pong', () => alive.set(ws, true));
        ws.on('error', (err) => log.debug({ err: err.message }, 'event socket error'));
      });
    },
    async close() {
      clearInterval(pinger);
      for (const off of offs) off();
      const closing = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(1001, 'ClipHarbor is shutting down');
          }),
      );
      const grace = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, CLOSE_GRACE_MS);
      await Promise.all(closing);
      clearTimeout(grace);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
