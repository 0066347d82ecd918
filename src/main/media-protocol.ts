/**
 * `clipharbor-media://item/<id>/<media|thumbnail|keyframe/<i>>`: library files for the renderer's <video> and <img>,
 * by item id only, so no path from the page ever reaches the file system. Range requests let the player seek.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { MEDIA_KIND_PATTERN, MEDIA_SCHEME, type MediaKind } from '../shared/wire';
import type { Engine } from './engine';
import { contentTypeFor, parseRange } from './engine/library/range';

const MEDIA_PATH = new RegExp(`^/([1-9]\\d{0,14})/(${MEDIA_KIND_PATTERN})$`);

export function parseMediaUrl(raw: string): { id: number; kind: MediaKind } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${MEDIA_SCHEME}:` || url.host !== 'item') return null;
  const m = MEDIA_PATH.exec(url.pathname);
  return m ? { id: Number(m[1]), kind: m[2] as MediaKind } : null;
}

const notFound = () => new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });

type Body = ConstructorParameters<typeof Response>[0];

function fileBody(file: string, start: number, end: number): Body {
  return Readable.toWeb(fs.createReadStream(file, { start, end })) as Body;
}

export async function mediaResponse(engine: Pick<Engine, 'itemFile'>, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response('Method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
  }
  const target = parseMediaUrl(request.url);
  if (!target) return notFound();
  let file: string;
  let size: number;
  try {
    // itemFile only answers for files recorded in the library whose real path stays inside it
    file = engine.itemFile(target.id, target.kind);
    size = (await fs.promises.stat(file)).size;
  } catch {
    return notFound();
  }
  const headers = new Headers({
    'Content-Type': contentTypeFor(file),
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
  });
  const range = parseRange(request.headers.get('range'), size);
  if (range.kind === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const head = request.method === 'HEAD';
  if (range.kind === 'partial') {
    headers.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    headers.set('Content-Length', String(range.end - range.start + 1));
    return new Response(head ? null : fileBody(file, range.start, range.end), { status: 206, headers });
  }
  headers.set('Content-Length', String(size));
  return new Response(head || size === 0 ? null : fileBody(file, 0, size - 1), { status: 200, headers });
}

/** Must run before the app is ready: privileges cannot be granted later. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ]);
}

export function serveMedia(engine: Pick<Engine, 'itemFile'>): void {
  protocol.handle(MEDIA_SCHEME, (request) => mediaResponse(engine, request));
}
