import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../shared/errors';
import { MIGRATIONS } from './migrations';

export type DB = Database.Database;

/** Compiles each SQL text once per connection: hot paths (enqueueing thousands of links) reuse statements. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(private readonly db: DB) {}
  get(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }
}

export const DB_FILE = 'clipharbor.sqlite';
const OWNER_FILE = 'clipharbor.owner';

/**
 * Opens the data dir's database and holds it exclusively for the life of the process.
 * EXCLUSIVE locking mode makes SQLite keep its file lock, so a second process gets SQLITE_BUSY at once
 * (and a crash releases the lock with the process, unlike a pid file).
 */
export function openDatabase(dataDir: string): DB {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new AppError('ERR_DISK', `Cannot create the data folder ${dataDir}: ${(err as Error).message}`);
  }
  const file = path.join(dataDir, DB_FILE);
  let db: DB;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new AppError('ERR_DISK', `Cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // take the write lock now rather than at the first write, so the check happens at open
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      const owner = readOwner(dataDir);
      throw new AppError(
        'ERR_DATA_LOCKED',
        `Another ClipHarbor process${owner ? ` (pid ${owner})` : ''} is using the data folder ${dataDir}. Close it first, or pass a different --data folder.`,
      );
    }
    throw new AppError('ERR_DISK', `Cannot use ${file}: ${(err as Error).message}`);
  }
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  // Without statistics SQLite picks the (source, height) index for "source + minimum height, newest first" and
  // sorts every match (56 ms on 100 000 items); with them it walks (source, created_at) and stops after a page.
  // Sampled (analysis_limit), and only for tables whose statistics are missing or stale, so it costs ~1 ms.
  db.pragma('analysis_limit = 1000');
  db.pragma('optimize = 0x10002');
  try {
    fs.writeFileSync(path.join(dataDir, OWNER_FILE), String(process.pid));
  } catch {
    // only used to name the owner in the lock error
  }
  return db;
}

function readOwner(dataDir: string): string | null {
  try {
    return fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new AppError(
      'ERR_BAD_STATE',
      `This data folder was written by a newer ClipHarbor (schema ${current}); update ClipHarbor to open it.`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
