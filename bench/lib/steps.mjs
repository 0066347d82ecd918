// Per-step costs of one ClipHarbor job, measured one at a time on an otherwise idle bench, with the engine's
// own functions (from the bench bundle) so the arguments are exactly what the worker uses.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { childrenCpuMs, median, run, selfCpuMs } from './proc.mjs';

const require = createRequire(import.meta.url);

async function measure(fn) {
  const c0 = childrenCpuMs();
  const s0 = selfCpuMs();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c1 = childrenCpuMs();
  // own CPU counts too: sha256 hashes in this process; the media server's share is tiny and the same for all
  const cpuMs = c0 === null || c1 === null ? null : c1 - c0 + (selfCpuMs() - s0);
  return { wallMs, cpuMs };
}

/**
 * Runs each step `reps` times on `url` (served copy of `sourceFile`); returns rows of { key, label, wallMs, cpuMs }
 * (medians). `cli` is the built CLI; `tmp` a scratch folder.
 */
export async function measureSteps({ bundleDir, cli, url, sourceFile, tmp, reps }) {
  const { createEngine } = require(path.join(bundleDir, 'engine.cjs'));
  const { downloadWithYtdlp } = require(path.join(bundleDir, 'ytdlp.cjs'));
  const { probeMedia, makeThumbnail, streamHash } = require(path.join(bundleDir, 'probe.cjs'));
  const { sha256File } = require(path.join(bundleDir, 'files.cjs'));

  const engine = createEngine({ dataDir: path.join(tmp, 'data'), libraryDir: path.join(tmp, 'lib') });
  const ytdlp = engine.binaries.require('yt-dlp');
  const ffprobe = engine.binaries.require('ffprobe');
  const ffmpeg = engine.binaries.require('ffmpeg');
  const ctx = { binary: ytdlp, features: await engine.binaries.ytdlpFeatures(), settings: engine.settings, secrets: {}, jsRuntime: engine.jsRuntime, env: engine.env };
  const ctxNoEmbed = { ...ctx, settings: { ...ctx.settings, embedMetadata: false, embedThumbnail: false } };
  const durationSec = (await probeMedia(ffprobe, sourceFile)).durationSec;
  await engine.stop();

  const hooks = () => ({ signal: new AbortController().signal, onSpawn() {}, onInfo: () => true, onProgress() {} });
  const chDownload = (c, dir) => async () => {
    const res = await downloadWithYtdlp(c, { url, quality: 'best', audioFormat: 'm4a', stagingDir: dir, playerClient: null }, hooks());
    if (!res.file || !fs.existsSync(res.file)) throw new Error(`ClipHarbor-style yt-dlp run left no file in ${dir}`);
  };
  let n = 0;
  const fresh = () => {
    const d = path.join(tmp, `s${++n}`);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const ok = (what) => (r) => {
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop()}`);
  };

  const steps = [
    ['plain', 'yt-dlp -q -o … (what xargs runs, per URL)', async () => ok('yt-dlp')(await run(ytdlp, ['-q', '-o', path.join(fresh(), '%(id)s.%(ext)s'), '--', url], { cwd: tmp }))],
    ['ch', "yt-dlp with ClipHarbor's arguments (progress, --print, --embed-metadata, --embed-thumbnail)", async () => chDownload(ctx, fresh())()],
    ['chNoEmbed', "yt-dlp with ClipHarbor's arguments, embedMetadata/embedThumbnail off", async () => chDownload(ctxNoEmbed, fresh())()],
    ['probe', 'probeMedia: ffprobe -show_format/-show_streams + tail-packet check (2 processes)', () => probeMedia(ffprobe, sourceFile)],
    ['sha256', 'sha256File (in process)', () => sha256File(sourceFile)],
    ...(typeof streamHash === 'function'
      ? [['streamHash', 'streamHash: ffmpeg -f hash over the audio/video packets (content dedup)', async () => {
          if (!(await streamHash(ffmpeg, sourceFile))) throw new Error('streamHash failed');
        }]]
      : []),
    ['thumb', 'makeThumbnail: ffmpeg, one 480 px JPEG', async () => {
      const out = path.join(fresh(), 't.jpg');
      if (!(await makeThumbnail(ffmpeg, sourceFile, out, durationSec))) throw new Error('makeThumbnail failed');
    }],
    ['help', 'yt-dlp --help (feature probe, once per engine)', async () => ok('yt-dlp --help')(await run(ytdlp, ['--help'], { cwd: tmp }))],
    ['cliStart', 'CLI start + DB open + exit (`cli.js list --json`, empty data dir)', async () => {
      const d = fresh();
      ok('cli list')(await run(process.execPath, [cli, 'list', '--json', '--data', path.join(d, 'data'), '--dir', path.join(d, 'lib')], { cwd: tmp }));
    }],
  ];

  const rows = [];
  for (const [key, label, fn] of steps) {
    const samples = [];
    for (let i = 0; i < reps; i++) samples.push(await measure(fn));
    rows.push({ key, label, wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) });
  }
  return rows;
}
