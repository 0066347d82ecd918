/**
 * Library files by item id (`/media/<id>/<media|thumbnail|keyframe/<i>>`), with byte ranges so players can seek. The
 * client never names a path: the engine maps the id to a file and refuses anything outside the item's library folder.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MEDIA_KIND_PATTERN, type MediaKind } from '../../shared/wire';
import type { Engine } from '../engine';
import { contentTypeFor, parseRange } from '../engine/library/range';
import { sendFileBody, sendText } from './respond';

const MEDIA_ROUTE = new RegExp(`^/media/([1-9]\\d{0,14})/(${MEDIA_KIND_PATTERN})$`);
// the engine resolved every symlink; refusing one at open time closes the gap if the file is swapped meanwhile
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0);

export async function serveMedia(engine: Engine, req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'Only GET and HEAD work here.', { Allow: 'GET, HEAD' });
    return;
  }
  const opened = await openItemFile(engine, rawPath);
  if (!opened) {
    // the same answer for a bad id, a removed item and a refused path, so probing learns nothing
    sendText(req, res, 404, 'No such library file.');
    return;
  }
  const { handle, size, type } = opened;

  const range = parseRange(req.headers.range, size);
  const common = { 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  if (range.kind === 'unsatisfiable') {
    await handle.close();
    sendText(req, res, 416, 'Requested range not satisfiable.', { ...common, 'Content-Range': `bytes */${size}` });
    return;
  }
  if (range.kind === 'partial') {
    res.writeHead(206, { ...common, 'Content-Type': type, 'Content-Length': range.end - range.start + 1, 'Content-Range': `bytes ${range.start}-${range.end}/${size}` });
    sendFileBody(req, res, handle, range.start, range.end);
    return;
  }
  res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': size });
  sendFileBody(req, res, handle, 0, size - 1);
}

async function openItemFile(engine: Engine, rawPath: string): Promise<{ handle: fs.promises.FileHandle; size: number; type: string } | null> {
  const m = MEDIA_ROUTE.exec(rawPath);
  if (!m) return null;
  let handle: fs.promises.FileHandle | null = null;
  try {
    const file = engine.itemFile(Number(m[1]), m[2] as MediaKind);
    handle = await fs.promises.open(file, OPEN_FLAGS);
    const st = await handle.stat();
    if (st.isFile()) return { handle, size: st.size, type: contentTypeFor(file) };
  } catch {
    // fall through: missing, refused or unreadable
  }
  await handle?.close();
  return null;
}
