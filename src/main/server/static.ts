/** The built renderer (out/renderer), served read-only: only regular files inside its folder are reachable. */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { sendFileBody, sendText } from './respond';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string) => Promise<void>;

export function staticFiles(rendererDir: string): StaticHandler {
  let root: string;
  try {
    root = fs.realpathSync(rendererDir);
    if (!fs.statSync(path.join(root, 'index.html')).isFile()) throw new Error('not a file');
  } catch {
    throw new AppError('ERR_NOT_FOUND', `The app is not built (${path.join(rendererDir, 'index.html')} is missing): run \`npm run build\` first.`);
  }

  return async (req, res, rawPath) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, 'Only GET and HEAD work here.', { Allow: 'GET, HEAD' });
      return;
    }
    const file = await resolveInside(root, rawPath);
    if (!file) {
      sendText(req, res, 404, 'Not found.');
      return;
    }
    let handle: fs.promises.FileHandle;
    let size: number;
    try {
      handle = await fs.promises.open(file, 'r');
      size = (await handle.stat()).size;
    } catch {
      sendText(req, res, 404, 'Not found.');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': size,
      // asset names carry a content hash, so they never change; index.html names the current ones
      'Cache-Control': rawPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    sendFileBody(req, res, handle, 0, size - 1);
  };
}

/**
 * Maps a raw request path to a regular file inside root, or null. Encoded slashes, NUL, backslashes and dot
 * segments are refused outright rather than normalised: no legitimate asset URL has them. The real path is
 * checked too, so a symlink in the folder cannot lead out of it.
 */
async function resolveInside(root: string, rawPath: string): Promise<string | null> {
  if (/%2f|%5c/i.test(rawPath)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded === '/' ? 'index.html' : decoded.slice(1);
  if (rel.split('/').some((seg) => seg.startsWith('.'))) return null;
  try {
    const real = await fs.promises.realpath(path.join(root, rel));
    const inside = path.relative(root, real);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return null;
    return (await fs.promises.stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}
