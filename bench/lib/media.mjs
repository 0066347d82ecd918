// Generates the benchmark's test videos with ffmpeg: distinct H.264/AAC mp4s of about 2–4 MB each.
// Files are cached between runs; a marker file records a finished generation with its parameters.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const VERSION = 1;
const PATTERNS = ['testsrc2', 'testsrc', 'smptebars', 'rgbtestsrc', 'smptehdbars'];

/** Distinct content per clip: pattern, duration (6–10 s at ~3 Mbit/s → ~2.3–3.9 MB), tone and noise seed. */
export function clipSpec(n) {
  return {
    name: `clip-${String(n).padStart(2, '0')}.mp4`,
    pattern: PATTERNS[(n - 1) % PATTERNS.length],
    seconds: 6 + ((n - 1) % 5),
    freq: 200 + 37 * n,
    seed: 1000 + n,
  };
}

function ffmpeg(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (exit ${code}): ${err.trim()}`))));
  });
}

function encodeArgs(spec, out) {
  const { pattern, seconds, freq, seed } = spec;
  return [
    '-f', 'lavfi', '-i', `${pattern}=size=640x360:rate=25:duration=${seconds},noise=alls=35:allf=t:all_seed=${seed}`,
    '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=44100:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50',
    '-b:v', '3000k', '-maxrate', '3000k', '-bufsize', '3000k',
    '-c:a', 'aac', '-b:a', '96k', '-shortest',
    '-metadata', `title=ClipHarbor bench clip ${spec.name}`,
    '-movflags', '+faststart', '-f', 'mp4', out,
  ];
}

/** Makes sure `count` clips exist in `dir`; returns their file names and whether anything was generated. */
export async function ensureMedia(dir, count) {
  const marker = path.join(dir, `.complete-v${VERSION}-${count}.json`);
  const specs = Array.from({ length: count }, (_, i) => clipSpec(i + 1));
  if (fs.existsSync(marker) && specs.every((s) => fs.existsSync(path.join(dir, s.name)))) {
    return { files: specs.map((s) => s.name), generatedMs: null };
  }
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const todo = specs.filter((s) => !fs.existsSync(path.join(dir, s.name)));
  const width = Math.max(1, Math.min(4, os.availableParallelism()));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const spec = todo[next++];
      const final = path.join(dir, spec.name);
      const tmp = `${final}.${process.pid}.tmp`;
      try {
        await ffmpeg(encodeArgs(spec, tmp));
        fs.renameSync(tmp, final);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  fs.writeFileSync(marker, JSON.stringify({ count, generatedAt: new Date().toISOString() }));
  return { files: specs.map((s) => s.name), generatedMs: performance.now() - started };
}
