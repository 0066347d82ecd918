import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { runProcess } from '../proc';

/** A frame the scan decoded: its position among decoded frames, its time, and how different it is from the one before. */
export interface ScannedFrame {
  n: number;
  timeSec: number;
  score: number;
}

export interface ExtractedKeyframe {
  /** 0-based, in time order. */
  index: number;
  timeSec: number;
  /** Absolute path of the JPEG. */
  file: string;
}

export interface KeyframeRequest {
  ffmpeg: string;
  file: string;
  durationSec: number;
  /** At most this many. */
  count: number;
  /** Written as `<outDir>/<baseName>-k<index>.jpg`. */
  outDir: string;
  baseName: string;
  signal?: AbortSignal;
}

/** ffmpeg's scene score above which a frame starts a new shot. */
export const SCENE_THRESHOLD = 0.3;
/** Keyframe images are this wide (narrower videos keep their width). */
const WIDTH = 320;
/** Shorter clips get none: there is nothing to skim. */
const MIN_DURATION_SEC = 1;

/**
 * Keyframe-only decoding: a demuxer that knows keyframes (mp4, mkv) does not even read the other packets, and the
 * decoder skips whatever reaches it anyway. Scene changes usually start a keyframe, since encoders insert one there.
 */
const KEYFRAMES_ONLY = ['-discard', 'nokey', '-skip_frame', 'nokey'];
const QUIET = ['-hide_banner', '-nostdin', '-nostats', '-v', 'error'];

/**
 * Up to `count` JPEG stills of a video: its scene changes, filled up with evenly spaced frames when it has fewer.
 * One ffmpeg run decodes only the keyframes, small, scores them and already writes the first few as images, so a
 * short video needs nothing more; a chosen frame past those takes one more run that seeks to it. Audio-only and very
 * short files get none. On failure or abort, nothing it wrote is left behind.
 */
export async function extractKeyframes(req: KeyframeRequest): Promise<ExtractedKeyframe[]> {
  if (req.count <= 0 || !(req.durationSec >= MIN_DURATION_SEC)) return [];
  if (!/^[\w-]+$/.test(req.baseName)) throw new AppError('ERR_INVALID_INPUT', `Keyframe names must be plain words, not ${req.baseName}.`);
  // never let an unusual file hold up a finished download for long
  const signal = AbortSignal.any([AbortSignal.timeout(Math.round(30_000 + req.durationSec * 50)), ...(req.signal ? [req.signal] : [])]);
  // enough for every keyframe of a short video; the cap bounds the work for long or all-keyframe ones
  const written = Math.max(32, 4 * req.count);
  const scanned = (n: number) => path.join(req.outDir, `${req.baseName}-s${n}.jpg`);
  const frames: ScannedFrame[] = [];
  const out: ExtractedKeyframe[] = [];
  try {
    await scanFrames(req, written, frames, signal);
    const chosen = pickKeyframes(frames, req.durationSec, req.count);
    const sought: Array<{ frame: ScannedFrame; file: string }> = [];
    for (const [index, frame] of chosen.entries()) {
      const file = path.join(req.outDir, `${req.baseName}-k${index}.jpg`);
      out.push({ index, timeSec: Math.round(frame.timeSec * 1000) / 1000, file });
      if (frame.n < written) fs.renameSync(scanned(frame.n), file);
      else sought.push({ frame, file });
    }
    if (sought.length > 0) await writeBySeeking(req, sought, signal);
    const missing = out.find((k) => !isJpeg(k.file));
    if (missing) throw new AppError('ERR_PROCESS', `ffmpeg did not write keyframe ${missing.index}.`);
    return out;
  } catch (err) {
    for (const k of out) fs.rmSync(k.file, { force: true });
    throw err;
  } finally {
    removeScanImages(req);
  }
}

/** By listing the folder: a stopped scan may have written images whose lines never reached us. */
function removeScanImages(req: KeyframeRequest): void {
  const name = new RegExp(`^${req.baseName}-s\\d+\\.jpg$`);
  let names: string[] = [];
  try {
    names = fs.readdirSync(req.outDir);
  } catch {
    // no folder, nothing to remove
  }
  for (const n of names) if (name.test(n)) fs.rmSync(path.join(req.outDir, n), { force: true });
}

/**
 * Every keyframe's time and scene score into `frames`, from one keyframe-only pass over copies scaled down to the
 * image size; the first `written` frames are saved as `<baseName>-s<n>.jpg` on the way.
 */
async function scanFrames(req: KeyframeRequest, written: number, frames: ScannedFrame[], signal: AbortSignal): Promise<void> {
  // `select` scores every frame it sees; `metadata` prints each frame's time and score to stdout
  const filter = `${scale()},select='gte(scene,0)',metadata=mode=print:key=lavfi.scene_score:file=-,select='lt(n,${written})'`;
  const res = await runProcess(
    req.ffmpeg,
    [
      ...QUIET, '-y', ...KEYFRAMES_ONLY, '-i', req.file, '-map', '0:V:0', '-vf', filter,
      '-fps_mode', 'passthrough', '-q:v', '5', '-f', 'image2', '-start_number', '0', `${req.baseName}-s%d.jpg`,
    ],
    {
      // relative names: a `%` in the library path would otherwise be read as part of the numbering pattern
      cwd: req.outDir,
      signal,
      onStdoutLine: (line) => {
        const time = /pts_time:(\S+)/.exec(line);
        if (time) {
          frames.push({ n: frames.length, timeSec: Number(time[1]), score: 0 });
          return;
        }
        const score = /lavfi\.scene_score=(\S+)/.exec(line);
        const last = frames.at(-1);
        if (score && last) last.score = Number(score[1]) || 0;
      },
    },
  );
  if (signal.aborted) throw stopped(req);
  if (res.code !== 0) throw new AppError('ERR_PROCESS', `ffmpeg could not scan the video for keyframes (${firstLine(res.stderr) || `exit ${res.code}`}).`);
}

/**
 * Which frames to keep, in time order, none closer to another than half the even spacing: the strongest scene change
 * of each of `count` equal stretches of the video, then the strongest remaining ones, then, while fewer than `count`,
 * the frames nearest to evenly spaced points. Frames without a usable time (or past the end) are never chosen; a
 * video with few keyframes gets fewer images.
 */
export function pickKeyframes(frames: readonly ScannedFrame[], durationSec: number, count: number): ScannedFrame[] {
  const usable = frames.filter((f) => Number.isFinite(f.timeSec) && f.timeSec >= 0 && f.timeSec <= durationSec);
  if (usable.length === 0 || count <= 0) return [];
  const stretch = durationSec / count;
  const chosen: ScannedFrame[] = [];
  const add = (f: ScannedFrame) => {
    if (chosen.length < count && chosen.every((c) => Math.abs(c.timeSec - f.timeSec) >= stretch / 2)) chosen.push(f);
  };
  const scenes = usable.filter((f) => f.score > SCENE_THRESHOLD).sort((a, b) => b.score - a.score || a.timeSec - b.timeSec);
  // scenes are strongest first, so the first one met in a stretch is its best
  const stretches = new Set<number>();
  for (const f of scenes) {
    const k = Math.min(count - 1, Math.floor(f.timeSec / stretch));
    if (stretches.has(k)) continue;
    stretches.add(k);
    add(f);
  }
  for (const f of scenes) add(f);
  for (let k = 0; k < count && chosen.length < count; k++) {
    const target = ((k + 0.5) * durationSec) / count;
    let nearest = usable[0]!;
    for (const f of usable) if (Math.abs(f.timeSec - target) < Math.abs(nearest.timeSec - target)) nearest = f;
    add(nearest);
  }
  return chosen.sort((a, b) => a.timeSec - b.timeSec);
}

/** One seek per image, each to just before its keyframe (printed times are rounded to 6 digits), decoding one frame. */
async function writeBySeeking(req: KeyframeRequest, targets: ReadonlyArray<{ frame: ScannedFrame; file: string }>, signal: AbortSignal): Promise<void> {
  const inputs = targets.flatMap(({ frame }) => ['-skip_frame', 'nokey', '-ss', Math.max(0, frame.timeSec * (1 - 1e-5) - 1e-3).toFixed(6), '-i', req.file]);
  const outputs = targets.flatMap(({ file }, i) => ['-map', `${i}:V:0`, '-frames:v', '1', '-vf', scale(), '-q:v', '5', '-f', 'image2', '-update', '1', path.basename(file)]);
  const res = await runProcess(req.ffmpeg, [...QUIET, '-y', ...inputs, ...outputs], { signal, cwd: req.outDir });
  if (signal.aborted) throw stopped(req);
  if (res.code !== 0) throw new AppError('ERR_PROCESS', `ffmpeg could not write keyframes (${firstLine(res.stderr) || `exit ${res.code}`}).`);
}

function stopped(req: KeyframeRequest): AppError {
  return req.signal?.aborted ? new AppError('ERR_CANCELED', 'Keyframe extraction was canceled.') : new AppError('ERR_TIMEOUT', 'Keyframe extraction took too long and was stopped.');
}

function scale(): string {
  return `scale='min(${WIDTH},iw)':-2`;
}

function isJpeg(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(3);
      return fs.readSync(fd, head, 0, 3, 0) === 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 200) ?? '';
}
