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
 * One ffmpeg run for two jobs on a validated file, so ffmpeg starts and reads the file once:
 * - the content hash: SHA-256 over the audio and video packets (attached cover art and container metadata
 *   excluded), so the same media downloaded from two addresses, with different titles embedded, is one item;
 * - for video, a 480 px wide JPEG thumbnail from about a tenth of the way in (past black intro frames), from a
 *   second, seeked input of the same file.
 * A thumbnail that cannot be made must not cost the hash: then the hash runs again alone.
 */
export async function hashAndThumbnail(
  ffmpeg: string,
  file: string,
  thumbnail: { to: string; durationSec: number } | null,
  signal?: AbortSignal,
): Promise<{ contentHash: string | null; thumbnail: boolean }> {
  const hashOut = ['-map', '0:V?', '-map', '0:a?', '-c', 'copy', '-f', 'hash', '-hash', 'sha256', '-'];
  const hashOf = (stdout: string) => /SHA256=([0-9a-f]{64})/.exec(stdout)?.[1] ?? null;
  if (thumbnail) {
    const d = thumbnail.durationSec;
    const at = Math.min(Math.max(d * 0.1, 0), Math.max(d - 0.5, 0));
    const res = await runProcess(
      ffmpeg,
      ['-v', 'error', '-y', '-i', file, '-ss', at.toFixed(3), '-i', file, ...hashOut, '-map', '1:v:0', '-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-f', 'image2', thumbnail.to],
      { signal },
    );
    const contentHash = res.code === 0 ? hashOf(res.stdout) : null;
    if (contentHash) return { contentHash, thumbnail: true };
  }
  const res = await runProcess(ffmpeg, ['-v', 'error', '-i', file, ...hashOut], { signal });
  return { contentHash: res.code === 0 ? hashOf(res.stdout) : null, thumbnail: false };
}
