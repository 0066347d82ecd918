import { AppError } from '../../../shared/errors';
import { runProcess } from '../proc';

export interface MediaMeta {
  durationSec: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  vcodec: string | null;
  acodec: string | null;
  bitrate: number | null;
  formatName: string;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  disposition?: { attached_pic?: number };
}

function rate(r: string | undefined): number | null {
  if (!r) return null;
  const [a, b] = r.split('/').map(Number);
  if (!a || !b) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/**
 * Validates a downloaded file and reads its metadata. A file is accepted only when ffprobe reads it cleanly,
 * it has a real video or audio stream and a duration, and its last seconds can actually be read (a file cut off
 * mid-transfer often still has a complete header that claims the full duration).
 */
export async function probeMedia(ffprobe: string, file: string, signal?: AbortSignal): Promise<MediaMeta> {
  const res = await runProcess(ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', '--', file], { signal });
  if (res.code !== 0) throw reject(`ffprobe cannot read it (${firstLine(res.stderr) || `exit ${res.code}`})`);
  let data: { format?: { duration?: string; bit_rate?: string; format_name?: string }; streams?: ProbeStream[] };
  try {
    data = JSON.parse(res.stdout);
  } catch {
    throw reject('ffprobe returned unreadable output');
  }
  const streams = data.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw reject('it contains no video or audio stream');
  const durationSec = Number(data.format?.duration);
  if (!Number.isFinite(durationSec) || durationSec <= 0) throw reject('it has no duration');
  if (res.stderr.trim()) throw reject(`ffprobe reported errors (${firstLine(res.stderr)})`);

  await checkTail(ffprobe, file, video ? 'v:0' : 'a:0', durationSec, signal);

  const bitrate = Number(data.format?.bit_rate);
  return {
    durationSec,
    width: video?.width ?? null,
    height: video?.height ?? null,
    fps: video ? rate(video.avg_frame_rate) ?? rate(video.r_frame_rate) : null,
    vcodec: video?.codec_name ?? null,
    acodec: audio?.codec_name ?? null,
    bitrate: Number.isFinite(bitrate) && bitrate > 0 ? Math.round(bitrate) : null,
    formatName: data.format?.format_name ?? 'unknown',
  };
}

/** Reads the packets of the last few seconds; a truncated file has none there, or fails to read them. */
async function checkTail(ffprobe: string, file: string, stream: string, durationSec: number, signal?: AbortSignal): Promise<void> {
  const from = Math.max(0, durationSec - 3);
  const res = await runProcess(
    ffprobe,
    ['-v', 'error', '-select_streams', stream, '-read_intervals', `${from.toFixed(3)}%`, '-show_entries', 'packet=pts_time,size', '-of', 'csv=p=0', '--', file],
    { signal },
  );
  if (res.code !== 0 || res.stderr.trim()) throw reject(`its end cannot be read, so it is probably truncated (${firstLine(res.stderr) || `exit ${res.code}`})`);
  const times = res.stdout
    .split('\n')
    .map((l) => Number(l.split(',')[0]))
    .filter((t) => Number.isFinite(t));
  const last = times.length ? Math.max(...times) : -1;
  // the last packet must start within the final stretch of the advertised duration
  if (last < durationSec - Math.max(3, durationSec * 0.1)) {
    throw reject(`it ends at ${last < 0 ? 0 : last.toFixed(1)} s but claims ${durationSec.toFixed(1)} s, so it is truncated`);
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 200) ?? '';
}

function reject(reason: string): AppError {
  return new AppError('ERR_VALIDATION', `The downloaded file is not a valid video: ${reason}. It was discarded; retry, or check the link.`);
}

/**
 * SHA-256 over the audio and video packets (attached cover art and container metadata excluded), so the same
 * media downloaded from two addresses, with different titles embedded, is recognised as one.
 */
export async function streamHash(ffmpeg: string, file: string, signal?: AbortSignal): Promise<string | null> {
  const res = await runProcess(ffmpeg, ['-v', 'error', '-i', file, '-map', '0:V?', '-map', '0:a?', '-c', 'copy', '-f', 'hash', '-hash', 'sha256', '-'], { signal });
  const m = /SHA256=([0-9a-f]{64})/.exec(res.stdout);
  return res.code === 0 && m ? m[1]! : null;
}

/** A JPEG thumbnail from about a tenth of the way in (past black intro frames), 480 px wide. */
export async function makeThumbnail(ffmpeg: string, file: string, out: string, durationSec: number, signal?: AbortSignal): Promise<boolean> {
  const at = Math.min(Math.max(durationSec * 0.1, 0), Math.max(durationSec - 0.5, 0));
  const res = await runProcess(
    ffmpeg,
    ['-v', 'error', '-y', '-ss', at.toFixed(3), '-i', file, '-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-f', 'image2', out],
    { signal },
  );
  return res.code === 0;
}
