/**
 * What the Pexels and Pixabay fakes share: the catalog of stock videos (whose renditions point at the test media
 * server, so downloads are real mp4 files), the scenario controls, and the node:http plumbing.
 * Only node: imports, so nothing from src/ can make a fake agree with the client by accident.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export type StockSite = 'pexels' | 'pixabay';

export interface StockVideo {
  id: number;
  /** "Aerial view of ocean waves": Pexels' page slug is made from it. */
  title: string;
  tags: string[];
  /** The original size; renditions are derived from it. */
  width: number;
  height: number;
  duration: number;
  user: { id: number; name: string };
  /** Which /v/clip-<n>.mp4 of the media server every rendition serves. */
  clip: number;
  /** The sites that list it (default both); one listed on both has the same file links on both. */
  sites?: StockSite[];
}

/** One way to fail a request: an HTTP status (with its headers/body) or a connection dropped without an answer. */
export type Failure = { status: number; retryAfter?: string; body?: string } | 'drop';

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  status: number | 'dropped';
}

/** Live controls: tests change the fields between (or during) searches. */
export class Scenario {
  /** The key the fake accepts. */
  key: string;
  /** Wait before answering (ms). */
  delayMs = 0;
  /** Consumed one per request before anything else: push N failures for "N failures then success". */
  failures: Failure[] = [];
  /** While set, every request fails this way (service down). */
  down: Failure | null = null;
  /** The service's own quota as its headers report it. */
  limit: number;
  remaining: number;
  /** When the quota comes back, ms since the epoch. */
  resetAt: number;

  constructor(init: { key: string; limit: number; resetAt: number }) {
    this.key = init.key;
    this.limit = init.limit;
    this.remaining = init.limit;
    this.resetAt = init.resetAt;
  }

  failNext(n: number, failure: Failure): void {
    for (let i = 0; i < n; i++) this.failures.push(failure);
  }
}

export interface StockFake {
  /** Base URL of the fake service, e.g. http://127.0.0.1:PORT */
  url: string;
  calls: FakeCall[];
  scenario: Scenario;
  /** Videos the fake lists (tests may push or splice). */
  catalog: StockVideo[];
  close(): Promise<void>;
}

export interface StockFakeOptions {
  /** Base URL of tests/support/media-server.ts: the files the renditions link to. */
  mediaBaseUrl: string;
  catalog?: StockVideo[];
  key?: string;
}

const THEMES = [
  ['Aerial view of ocean waves', 'ocean', 'waves', 'sea', 'aerial'],
  ['City street at night', 'city', 'night', 'street', 'lights'],
  ['Sunlight through a forest', 'forest', 'trees', 'nature', 'sunlight'],
  ['Snowy mountain peaks', 'mountain', 'snow', 'peaks', 'landscape'],
] as const;

const SIZES = [
  [3840, 2160],
  [1920, 1080],
  [1080, 1920],
  [1280, 720],
  [1080, 1080],
] as const;

/**
 * Deterministic videos: titles and tags cycle through a few themes, sizes through 4K, Full HD, portrait, HD and
 * square, durations through 5–40 s; clips cycle 1..clips of the media server.
 */
export function makeCatalog(count: number, opts: { startId?: number; clips?: number; sites?: StockSite[] } = {}): StockVideo[] {
  const start = opts.startId ?? 1000;
  const clips = opts.clips ?? 6;
  return Array.from({ length: count }, (_, i) => {
    const [title, ...tags] = THEMES[i % THEMES.length]!;
    const [width, height] = SIZES[i % SIZES.length]!;
    return {
      id: start + i,
      title: `${title} ${i + 1}`,
      tags: [...tags],
      width,
      height,
      duration: 5 + ((i * 7) % 36),
      user: { id: 500 + (i % 5), name: `Creator ${(i % 5) + 1}` },
      clip: (i % clips) + 1,
      ...(opts.sites ? { sites: opts.sites } : {}),
    };
  });
}

export function slugOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Every query word appears in the title or the tags. */
export function matches(video: StockVideo, query: string): boolean {
  const text = `${video.title} ${video.tags.join(' ')}`.toLowerCase();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return words.length > 0 && words.every((w) => text.includes(w));
}

/** A rendition scaled from the original so that its short side is `side` (never larger than the original). */
export function scaled(video: StockVideo, side: number): { width: number; height: number } {
  const short = Math.min(video.width, video.height);
  const f = side / short;
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(video.width * f), height: even(video.height * f) };
}

/** The same link for the same video and size on every site, so cross-posted clips can be recognised. */
export function fileLink(mediaBaseUrl: string, video: StockVideo, width: number, height: number): string {
  return `${mediaBaseUrl}/v/clip-${video.clip}.mp4?video=${video.id}&size=${width}x${height}`;
}

export function fakeBytes(width: number, height: number, duration: number): number {
  return Math.round((width * height * duration) / 20);
}

export function listed(video: StockVideo, site: StockSite): boolean {
  return !video.sites || video.sites.includes(site);
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON bodies are objects; plain-text ones strings. */
  body: unknown;
}

/**
 * Serves `handle` on 127.0.0.1 with the shared failure modes in front of it: delay, queued failures, "down",
 * dropped connections. Every request is logged in `calls` with the status it got.
 */
export async function serve(
  scenario: Scenario,
  calls: FakeCall[],
  handle: (req: { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders }, base: string) => Answer,
  failureAnswer: (f: Exclude<Failure, 'drop'>) => Answer,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let base = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const call: FakeCall = {
        method: req.method ?? '',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        authorization: req.headers.authorization ?? null,
        status: 0,
      };
      calls.push(call);
      if (scenario.delayMs > 0) await new Promise((r) => setTimeout(r, scenario.delayMs));
      const failure = scenario.failures.shift() ?? scenario.down;
      if (failure === 'drop') {
        call.status = 'dropped';
        req.socket.destroy();
        return;
      }
      const answer = failure ? failureAnswer(failure) : handle({ method: call.method, path: u.pathname, query: u.searchParams, headers: req.headers }, base);
      call.status = answer.status;
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'Content-Type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        ...answer.headers,
      });
      res.end(text);
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('fake: no address');
  base = `http://127.0.0.1:${addr.port}`;
  let closing: Promise<void> | null = null;
  return {
    url: base,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
