/**
 * Clients for testing the headless server: raw HTTP (the path goes on the wire exactly as given, so traversal
 * attempts are not normalised away as `fetch` would) and a WebSocket that records every event frame.
 */
import http from 'node:http';
import { WebSocket } from 'ws';
import type { EventFrame } from '../../src/shared/wire';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request on its own connection (no keep-alive), so nothing lingers after a test. */
export function rawRequest(origin: string, path: string, opts: RawRequest = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** POST /api/<method> with a JSON body, the way the browser client sends it. */
export function apiCall(origin: string, method: string, input: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(origin, `/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin, ...headers },
    body: JSON.stringify(input),
  });
}

export type EventSocket =
  | { ok: true; ws: WebSocket; frames: EventFrame[]; closed: Promise<{ code: number }> }
  | { ok: false; status: number };

/** Connects to the event socket; a refused handshake resolves with its HTTP status instead of throwing. */
export function connectEvents(origin: string, opts: { origin?: string; headers?: Record<string, string>; /** appended to the URL: a query or a path trick */ suffix?: string } = {}): Promise<EventSocket> {
  const url = `${origin.replace(/^http/, 'ws')}/api/events${opts.suffix ?? ''}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: opts.origin, headers: opts.headers, perMessageDeflate: false });
    const frames: EventFrame[] = [];
    const closed = new Promise<{ code: number }>((r) => ws.once('close', (code) => r({ code })));
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as EventFrame));
    ws.once('open', () => resolve({ ok: true, ws, frames, closed }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ ok: false, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}
