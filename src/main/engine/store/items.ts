import type { Item, MethodArgs } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { Statements, type DB } from './db';

interface ItemRow {
  id: number;
  job_id: number | null;
  url: string;
  canonical_url: string;
  source: string;
  extractor: string;
  video_id: string;
  format_profile: string;
  title: string;
  uploader: string | null;
  upload_date: string | null;
  path: string;
  thumbnail: string | null;
  bytes: number;
  sha256: string;
  content_hash: string | null;
  duration_sec: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  vcodec: string | null;
  acodec: string | null;
  bitrate: number | null;
  attribution_name: string | null;
  attribution_url: string | null;
  created_at: number;
  root: string | null;
}

export type NewItem = Omit<Item, 'id' | 'createdAt'>;

/** A still of an item; `path` is relative to the item's library root, like its thumbnail. */
export interface StoredKeyframe {
  index: number;
  timeSec: number;
  path: string;
}

const SORTS: Record<MethodArgs<'library.list'>['sort'], string> = {
  newest: 'i.created_at DESC, i.id DESC',
  oldest: 'i.created_at ASC, i.id ASC',
  title: 'i.title COLLATE NOCASE ASC, i.id ASC',
  duration: 'i.duration_sec DESC, i.id DESC',
  size: 'i.bytes DESC, i.id DESC',
};

/** Turns free text into an FTS5 query matching every word as a prefix; quotes keep user text from being syntax. */
export function ftsQuery(text: string): string | null {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu);
  if (!words || words.length === 0) return null;
  return words.slice(0, 12).map((w) => `"${w}"*`).join(' ');
}

export class ItemStore {
  private readonly statements: Statements;

  constructor(
    db: DB,
    private readonly now: () => number,
  ) {
    this.statements = new Statements(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  insert(item: NewItem, root: string): Item {
    const info = this
      .stmt(
        `INSERT INTO items (job_id, url, canonical_url, source, extractor, video_id, format_profile, title, uploader, upload_date, path, thumbnail,
           bytes, sha256, content_hash, duration_sec, width, height, fps, vcodec, acodec, bitrate, attribution_name, attribution_url, created_at, root)
         VALUES (@jobId, @url, @canonicalUrl, @source, @extractor, @videoId, @formatProfile, @title, @uploader, @uploadDate, @path, @thumbnail,
           @bytes, @sha256, @contentHash, @durationSec, @width, @height, @fps, @vcodec, @acodec, @bitrate, @attributionName, @attributionUrl, @createdAt, @root)`,
      )
      .run({ ...item, createdAt: this.now(), root });
    return this.require(Number(info.lastInsertRowid));
  }

  get(id: number): Item | undefined {
    const row = this.stmt('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
    return row && toItem(row);
  }

  require(id: number): Item {
    const item = this.get(id);
    if (!item) throw new AppError('ERR_NOT_FOUND', `There is no library item ${id}.`);
    return item;
  }

  byCanonicalUrl(canonicalUrl: string, formatProfile: string): Item | undefined {
    const row = this
      .stmt('SELECT * FROM items WHERE canonical_url = ? AND format_profile = ? LIMIT 1')
      .get(canonicalUrl, formatProfile) as ItemRow | undefined;
    return row && toItem(row);
  }

  byVideo(extractor: string, videoId: string, formatProfile: string): Item | undefined {
    const row = this
      .stmt('SELECT * FROM items WHERE extractor = ? AND video_id = ? AND format_profile = ?')
      .get(extractor, videoId, formatProfile) as ItemRow | undefined;
    return row && toItem(row);
  }

  /** Same file bytes, or the same audio/video under different metadata. */
  byContent(sha256: string, contentHash: string | null): Item | undefined {
    const row = this
      .stmt('SELECT * FROM items WHERE sha256 = ? OR (content_hash IS NOT NULL AND content_hash = ?) LIMIT 1')
      .get(sha256, contentHash) as ItemRow | undefined;
    return row && toItem(row);
  }

  /** The library folder the item's file and thumbnail are relative to (null: recorded before roots were kept). */
  rootOf(id: number): string | null | undefined {
    const row = this.stmt('SELECT root FROM items WHERE id = ?').get(id) as { root: string | null } | undefined;
    return row ? row.root : undefined;
  }

  /** Sources with their item counts, most common first, for the Gallery's filter. */
  facets(): { sources: Array<{ source: string; count: number }> } {
    const sources = this.stmt('SELECT source, COUNT(*) AS count FROM items GROUP BY source ORDER BY count DESC, source LIMIT 200').all() as Array<{ source: string; count: number }>;
    return { sources };
  }

  byPath(relPath: string): Item | undefined {
    const row = this.stmt('SELECT * FROM items WHERE path = ?').get(relPath) as ItemRow | undefined;
    return row && toItem(row);
  }

  /** Its keyframes' rows go with the item (ON DELETE CASCADE); their files are the caller's business. */
  remove(id: number): void {
    this.stmt('DELETE FROM items WHERE id = ?').run(id);
  }

  insertKeyframes(itemId: number, keyframes: readonly StoredKeyframe[]): void {
    const insert = this.stmt('INSERT INTO keyframes (item_id, idx, time_sec, path) VALUES (?, ?, ?, ?)');
    for (const k of keyframes) insert.run(itemId, k.index, k.timeSec, k.path);
  }

  /** In time order. */
  keyframes(itemId: number): StoredKeyframe[] {
    return this.stmt('SELECT idx AS "index", time_sec AS timeSec, path FROM keyframes WHERE item_id = ? ORDER BY idx').all(itemId) as StoredKeyframe[];
  }

  keyframePath(itemId: number, index: number): string | undefined {
    const row = this.stmt('SELECT path FROM keyframes WHERE item_id = ? AND idx = ?').get(itemId, index) as { path: string } | undefined;
    return row?.path;
  }

  list(q: MethodArgs<'library.list'>): { items: Item[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    const match = q.query ? ftsQuery(q.query) : null;
    if (match) {
      where.push('i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)');
      args.push(match);
    }
    if (q.source) {
      where.push('i.source = ?');
      args.push(q.source);
    }
    if (q.minDurationSec !== undefined) {
      where.push('i.duration_sec >= ?');
      args.push(q.minDurationSec);
    }
    if (q.maxDurationSec !== undefined) {
      where.push('i.duration_sec <= ?');
      args.push(q.maxDurationSec);
    }
    if (q.minHeight !== undefined) {
      where.push('i.height >= ?');
      args.push(q.minHeight);
    }
    if (q.since !== undefined) {
      where.push('i.created_at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('i.created_at < ?');
      args.push(q.until);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM items i ${clause}`).get(...args) as { n: number }).n;
    const rows = this
      .stmt(`SELECT i.* FROM items i ${clause} ORDER BY ${SORTS[q.sort]} LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as ItemRow[];
    return { items: rows.map(toItem), total };
  }
}

function toItem(r: ItemRow): Item {
  return {
    id: r.id,
    jobId: r.job_id,
    url: r.url,
    canonicalUrl: r.canonical_url,
    source: r.source,
    extractor: r.extractor,
    videoId: r.video_id,
    formatProfile: r.format_profile,
    title: r.title,
    uploader: r.uploader,
    uploadDate: r.upload_date,
    path: r.path,
    thumbnail: r.thumbnail,
    bytes: r.bytes,
    sha256: r.sha256,
    contentHash: r.content_hash,
    durationSec: r.duration_sec,
    width: r.width,
    height: r.height,
    fps: r.fps,
    vcodec: r.vcodec,
    acodec: r.acodec,
    bitrate: r.bitrate,
    attributionName: r.attribution_name,
    attributionUrl: r.attribution_url,
    createdAt: r.created_at,
  };
}
