import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { protocol } from './fake-electron';
import { makeEngine, stopAll, tempDir } from '../../support/engine';
import { mediaResponse, parseMediaUrl, registerMediaScheme, serveMedia } from '../../../src/main/media-protocol';
import type { Engine } from '../../../src/main/engine';
import type { NewItem } from '../../../src/main/engine/store/items';
import { MEDIA_SCHEME } from '../../../src/shared/wire';

vi.mock('electron', () => import('./fake-electron'));

let engine: Engine;
let libraryDir: string;
const bytes = crypto.randomBytes(10_000);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), crypto.randomBytes(500)]);
const keyframe = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), crypto.randomBytes(300)]);
let itemId: number;
let escapeId: number;
let missingId: number;

function addItem(rel: string, thumbnail: string | null, n: number): number {
  const item: NewItem = {
    jobId: null,
    url: `https://example.com/v/${n}`,
    canonicalUrl: `https://example.com/v/${n}`,
    source: 'example.com',
    extractor: 'generic',
    videoId: `v${n}`,
    formatProfile: 'best',
    title: `Clip ${n}`,
    uploader: null,
    uploadDate: null,
    path: rel,
    thumbnail,
    bytes: 0,
    sha256: crypto.randomBytes(32).toString('hex'),
    contentHash: null,
    durationSec: null,
    width: null,
    height: null,
    fps: null,
    vcodec: null,
    acodec: null,
    bitrate: null,
    attributionName: null,
    attributionUrl: null,
  };
  return engine.items.insert(item, libraryDir).id;
}

beforeAll(() => {
  ({ engine, libraryDir } = makeEngine());
  fs.mkdirSync(path.join(libraryDir, 'example.com', 'Unknown'), { recursive: true });
  fs.mkdirSync(path.join(libraryDir, '.thumbs'), { recursive: true });
  fs.writeFileSync(path.join(libraryDir, 'example.com/Unknown/Clip 1 [v1].mp4'), bytes);
  fs.writeFileSync(path.join(libraryDir, '.thumbs/abc.jpg'), jpeg);
  itemId = addItem('example.com/Unknown/Clip 1 [v1].mp4', '.thumbs/abc.jpg', 1);
  fs.writeFileSync(path.join(libraryDir, '.thumbs/abc-k0.jpg'), keyframe);
  // keyframe 1 is recorded but its file is gone
  engine.items.insertKeyframes(itemId, [
    { index: 0, timeSec: 1.5, path: '.thumbs/abc-k0.jpg' },
    { index: 1, timeSec: 4, path: '.thumbs/abc-k1.jpg' },
  ]);

  // a file planted in the library as a symlink to a secret elsewhere
  const outside = path.join(tempDir('outside'), 'secret.mp4');
  fs.writeFileSync(outside, 'not yours');
  fs.symlinkSync(outside, path.join(libraryDir, 'example.com/Unknown/Escape [v2].mp4'));
  escapeId = addItem('example.com/Unknown/Escape [v2].mp4', null, 2);
  missingId = addItem('example.com/Unknown/Gone [v3].mp4', null, 3);
});
afterAll(stopAll);

const url = (id: number, kind = 'media') => `${MEDIA_SCHEME}://item/${id}/${kind}`;
const get = (target: string, headers: Record<string, string> = {}, method = 'GET') => mediaResponse(engine, new Request(target, { method, headers }));
const body = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('media protocol', () => {
  it('serves a library file whole with its type and Accept-Ranges', async () => {
    const res = await get(url(itemId));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect((await body(res)).equals(bytes)).toBe(true);
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    const res = await get(url(itemId), { Range: 'bytes=100-199' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(res.headers.get('content-length')).toBe('100');
    expect((await body(res)).equals(bytes.subarray(100, 200))).toBe(true);

    const open = await get(url(itemId), { Range: 'bytes=9990-' });
    expect(open.status).toBe(206);
    expect((await body(open)).equals(bytes.subarray(9990))).toBe(true);

    const suffix = await get(url(itemId), { Range: 'bytes=-10' });
    expect(suffix.headers.get('content-range')).toBe(`bytes 9990-9999/${bytes.length}`);
    expect((await body(suffix)).equals(bytes.subarray(-10))).toBe(true);
  });

  it('answers a range past the end with 416 and the size', async () => {
    const res = await get(url(itemId), { Range: `bytes=${bytes.length}-` });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  it('answers HEAD with the headers only', async () => {
    const res = await get(url(itemId), {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.body).toBeNull();
  });

  it('serves the thumbnail', async () => {
    const res = await get(url(itemId, 'thumbnail'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((await body(res)).equals(jpeg)).toBe(true);
  });

  it('serves a keyframe by index, and nothing for an index without a file or row', async () => {
    const res = await get(url(itemId, 'keyframe/0'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect((await body(res)).equals(keyframe)).toBe(true);
    for (const kind of ['keyframe/1', 'keyframe/2', 'keyframe/999', 'keyframe/1000', 'keyframe/00', 'keyframe/-1', 'keyframe/x', 'keyframe/', 'keyframe', 'keyframe/0/0']) {
      expect((await get(url(itemId, kind))).status, kind).toBe(404);
    }
    expect((await get(url(escapeId, 'keyframe/0'))).status).toBe(404);
  });

  it('serves nothing for unknown ids, missing files, symlinks out of the library or items without a thumbnail', async () => {
    for (const target of [url(999_999), url(escapeId), url(missingId), url(escapeId, 'thumbnail')]) {
      const res = await get(target);
      expect(res.status, target).toBe(404);
      expect((await body(res)).toString()).not.toContain('not yours');
    }
  });

  it('serves nothing for any other URL shape', async () => {
    for (const target of [
      `${MEDIA_SCHEME}://item/${itemId}/media/../../etc/passwd`,
      `${MEDIA_SCHEME}://item/${itemId}/file`,
      `${MEDIA_SCHEME}://item/0/media`,
      `${MEDIA_SCHEME}://item/-1/media`,
      `${MEDIA_SCHEME}://item/1e3/media`,
      `${MEDIA_SCHEME}://other/${itemId}/media`,
      `${MEDIA_SCHEME}://item/${encodeURIComponent(libraryDir)}/media`,
    ]) {
      expect((await get(target)).status, target).toBe(404);
    }
    expect((await get(url(itemId), {}, 'POST')).status).toBe(405);
  });

  it('parses only item/<id>/<kind>', () => {
    expect(parseMediaUrl(`${MEDIA_SCHEME}://item/42/thumbnail`)).toEqual({ id: 42, kind: 'thumbnail' });
    expect(parseMediaUrl(`${MEDIA_SCHEME}://item/42/media?t=3`)).toEqual({ id: 42, kind: 'media' });
    expect(parseMediaUrl(`${MEDIA_SCHEME}://item/42/keyframe/7`)).toEqual({ id: 42, kind: 'keyframe/7' });
    expect(parseMediaUrl(`${MEDIA_SCHEME}://item/42/keyframe/07`)).toBeNull();
    expect(parseMediaUrl('file:///item/42/media')).toBeNull();
    expect(parseMediaUrl('https://item/42/media')).toBeNull();
    expect(parseMediaUrl(`${MEDIA_SCHEME}://item/99999999999999999999/media`)).toBeNull();
  });

  it('registers the scheme as privileged and serves it through protocol.handle', async () => {
    registerMediaScheme();
    expect(protocol.privileged).toEqual([
      { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
    ]);
    serveMedia(engine);
    const handler = protocol.handlers.get(MEDIA_SCHEME)!;
    const res = await handler(new Request(url(itemId), { headers: { Range: 'bytes=0-9' } }));
    expect(res.status).toBe(206);
    expect((await body(res)).equals(bytes.subarray(0, 10))).toBe(true);
  });
});
