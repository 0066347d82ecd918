import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/errors';
import { numbered } from './naming';

export const STAGING_DIR = '.staging';
export const THUMBS_DIR = '.thumbs';

export function stagingDirFor(libraryDir: string, jobId: number): string {
  return path.join(libraryDir, STAGING_DIR, `job-${jobId}`);
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

const NOT_MEDIA = /\.(part|ytdl|temp|tmp|jpg|jpeg|png|webp|json|description|vtt|srt)$|\.part-Frag\d+$/i;

/** The finished media file yt-dlp left in a staging folder, when its own report of the path was lost (a restart). */
export function findStagedMedia(stagingDir: string): string | null {
  let best: { file: string; size: number } | null = null;
  let names: string[];
  try {
    names = fs.readdirSync(stagingDir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (!name.startsWith('media.') || NOT_MEDIA.test(name) || /^media\.f\d+/.test(name)) continue;
    const file = path.join(stagingDir, name);
    const st = fs.statSync(file);
    if (st.isFile() && (!best || st.size > best.size)) best = { file, size: st.size };
  }
  return best?.file ?? null;
}

/** Picks the first free name for `rel` (`x.mp4`, `x (2).mp4`, …) inside the library. */
export function freeRelPath(libraryDir: string, rel: string): string {
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? rel : numbered(rel, n);
    if (!fs.existsSync(path.join(libraryDir, candidate))) return candidate;
  }
  throw new AppError('ERR_DISK', `Too many files named like ${rel} in the library.`);
}

/**
 * Moves a validated file into the library atomically: a rename within the library's file system, or across
 * file systems a copy to a temporary name, fsync, then rename — a reader never sees a half-written file.
 */
export async function moveIntoLibrary(src: string, dest: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.promises.rename(src, dest);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw diskError(err, dest);
  }
  const tmp = `${dest}.clipharbor-tmp`;
  try {
    await fs.promises.copyFile(src, tmp);
    const fh = await fs.promises.open(tmp, 'r+');
    await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, dest);
    await fs.promises.rm(src, { force: true });
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw diskError(err, dest);
  }
}

export function diskError(err: unknown, where: string): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new AppError('ERR_DISK', `The disk holding ${where} is full: free some space, then retry.`);
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new AppError('ERR_DISK', `ClipHarbor cannot write to ${where} (${code}): check the folder's permissions or choose another library folder.`);
  }
  return new AppError('ERR_DISK', `Cannot write ${where}: ${(err as Error).message}`);
}

/** Fails with a clear error when the library folder cannot be created or written. */
export function assertWritableDir(dir: string): void {
  const probe = path.join(dir, STAGING_DIR, `.write-test-${process.pid}`);
  try {
    mkdirEach(path.dirname(probe));
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw diskError(err, `the library folder ${dir}`);
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir reports a read-only file system as ENOENT, and on
 * pseudo file systems such as /proc (mkdir answers ENOENT under an existing parent) it retries forever, freezing
 * the process; plain mkdir calls name the real cause and always end.
 */
function mkdirEach(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}
