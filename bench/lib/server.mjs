// A small static file server on 127.0.0.1 for the benchmark: GET and HEAD, single byte ranges, nothing else.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = { '.mp4': 'video/mp4', '.m4a': 'audio/mp4', '.webm': 'video/webm' };

/** Serves the files of `root` under /v/<name>. Resolves once listening; `close()` also drops open sockets. */
export function startServer(root) {
  const sockets = new Set();
  const stats = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = decodeURIComponent(url.pathname.replace(/^\/v\//, ''));
    if (!url.pathname.startsWith('/v/') || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = path.join(root, name);
    let st;
    try {
      st = fs.statSync(file);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end();
      return;
    }
    const headers = {
      'Content-Type': TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Last-Modified': st.mtime.toUTCString(),
    };
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === '' && m[2] === '')) {
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
        return;
      }
      if (m[1] === '') {
        start = Math.max(0, st.size - Number(m[2]));
      } else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(end, Number(m[2]));
      }
      if (start > end || start >= st.size) {
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    stats.bytes += end - start + 1;
    const stream = fs.createReadStream(file, { start, end });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        url: (name) => `http://127.0.0.1:${port}/v/${encodeURIComponent(name)}`,
        stats,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
