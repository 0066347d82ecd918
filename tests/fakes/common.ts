/**
 * Plumbing shared by the fake remote services: a node:http server on 127.0.0.1 (ephemeral port) that records every
 * call, routes it, and applies the scenario's one-off faults and standing delays before the service logic answers.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

export interface Reply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as text/plain when there is no `body`. */
  text?: string;
  headers?: Record<string, string>;
}

/**
 * A one-off misbehaviour for the next request on a route (queued per route, consumed in order).
 * - `drop`: the request is read, then the socket is destroyed without an answer and the service does nothing;
 * - `dropAfterWork`: the service handles the request (creating what it creates) but the answer is lost;
 * - `answer`: this reply instead of the service's;
 * - `delay`: the service answers normally after `ms`.
 */
export type Fault = { kind: 'drop' } | { kind: 'dropAfterWork' } | ({ kind: 'answer' } & Reply) | { kind: 'delay'; ms: number };

export interface FaultControls<R extends string> {
  /** Queued one-off faults per route. */
  faults: Partial<Record<R, Fault[]>>;
  /** Standing delay (ms) before every answer on a route: a slow service. */
  delays: Partial<Record<R, number>>;
}

export interface FakeServer {
  /** http://127.0.0.1:<port> */
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export function answer(status: number, body: unknown, headers?: Record<string, string>): Fault {
  return { kind: 'answer', status, body, headers };
}

export async function startFakeServer<R extends string>(opts: {
  controls: FaultControls<R>;
  /** The route of a call, or null for an unknown path (answered with `notFound`). */
  route(call: RecordedCall): R | null;
  handle(route: R, call: RecordedCall): Promise<Reply> | Reply;
  notFound(call: RecordedCall): Reply;
}): Promise<FakeServer> {
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        if (raw !== '') {
          try {
            body = JSON.parse(raw) as unknown;
          } catch {
            body = raw;
          }
        }
        const call: RecordedCall = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body,
        };
        calls.push(call);
        const route = opts.route(call);
        let reply: Reply | 'drop';
        if (route === null) {
          reply = opts.notFound(call);
        } else {
          const standing = opts.controls.delays[route];
          if (standing) await wait(standing);
          const fault = opts.controls.faults[route]?.shift();
          if (fault?.kind === 'delay') await wait(fault.ms);
          if (fault?.kind === 'drop') reply = 'drop';
          else if (fault?.kind === 'answer') reply = fault;
          else {
            reply = await opts.handle(route, call);
            if (fault?.kind === 'dropAfterWork') reply = 'drop';
          }
        }
        if (res.destroyed) return;
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        send(res, reply);
      })().catch((err: unknown) => {
        if (!res.destroyed) send(res, { status: 500, text: `fake failed: ${String(err)}` });
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let data: string;
  if (reply.body !== undefined) {
    data = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else {
    data = reply.text ?? '';
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(data));
  res.writeHead(reply.status, headers);
  res.end(data);
}
