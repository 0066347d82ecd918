// Queue traffic for the renderer benchmark, run in a child process of bench/run.mjs so the server's work is not
// charged to the process that drives Chromium:
//   node renderer-bench.mjs queue <bundleDir> <dataDir> <libraryDir> <rendererDir> <jobs> <seconds>
// Opens the engine from the bench bundle with <jobs> queued jobs, marks them downloading (the scheduler is never
// started, so nothing downloads and the concurrency cap of 10 does not apply), serves the built renderer over the
// real HTTP/WebSocket server and prints `{"ready":true,"url":…}`. On the stdin line `go` it feeds every job's
// progress through the engine's own ProgressCoalescer (so the WebSocket carries `job.progress` at its real rate,
// at most four per second per job) for <seconds>, then prints `{"done":true,…}`. Stdin closing stops it.
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const [mode, bundleDir, dataDir, libraryDir, rendererDir, jobsArg, secondsArg] = process.argv.slice(2);
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

/**
 * Each job advances at its own pace (5–8 % a second, so every update moves its bar by more than a rounded percent)
 * from its own starting point, like downloads of different sizes.
 */
function progressOf(k, elapsedMs) {
  const totalBytes = 20e6 + k * 1.3e6;
  const speed = totalBytes * (0.05 + (k % 4) * 0.01);
  const downloadedBytes = Math.min(totalBytes * 0.99, (((k * 37) % 100) / 100) * totalBytes * 0.3 + (speed * elapsedMs) / 1000);
  return {
    phase: 'downloading',
    downloadedBytes,
    totalBytes,
    percent: Math.round((downloadedBytes / totalBytes) * 1000) / 10,
    speed,
    etaSec: Math.round((totalBytes - downloadedBytes) / speed),
    part: 1,
    parts: 1,
  };
}

async function queue() {
  const { createEngine } = require(path.join(bundleDir, 'engine.cjs'));
  const server = require(path.join(bundleDir, 'server.cjs'));
  const count = Number(jobsArg);
  const seconds = Number(secondsArg);
  const engine = createEngine({ dataDir, libraryDir, host: { kind: 'server' } });
  const urls = Array.from({ length: count }, (_, i) => `http://127.0.0.1:9/bench/video-${String(i + 1).padStart(2, '0')}.mp4`);
  const { jobs } = await engine.call('jobs.add', { urls });
  const ids = jobs.map((j) => j.id);
  for (const [i, id] of ids.entries()) {
    engine.jobs.update(id, { title: `Bench video ${String(i + 1).padStart(2, '0')}`, source: 'bench' });
    engine.jobs.transition(id, 'resolving');
    engine.emitJob(engine.jobs.transition(id, 'downloading'));
    engine.progress.set(id, progressOf(i, 0));
  }

  const running = await startHttp(server, engine);
  say({ ready: true, url: running.url, jobs: ids.length });

  const lines = readline.createInterface({ input: process.stdin });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await running.close();
    await engine.stop();
    process.exit(0);
  };
  lines.on('close', () => void stop());
  let emitted = 0;
  const off = engine.on('job.progress', () => emitted++);
  for await (const line of lines) {
    if (line.trim() !== 'go') continue;
    emitted = 0;
    // 25 ms ticks, a tenth of the jobs per tick: every job gets a new value every 250 ms, spread over time
    const t0 = performance.now();
    const slice = Math.max(1, Math.ceil(ids.length / 10));
    let next = 0;
    let sets = 0;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        if (elapsed >= seconds * 1000) {
          clearInterval(timer);
          resolve();
          return;
        }
        for (let n = 0; n < slice; n++) {
          const k = next++ % ids.length;
          engine.progress.set(ids[k], progressOf(k, elapsed));
          sets++;
        }
      }, 25);
    });
    // let the coalescer's trailing edge go out before counting
    await new Promise((r) => setTimeout(r, 300));
    say({ done: true, wallMs: performance.now() - t0, sets, emitted, perJobPerSec: emitted / ids.length / seconds });
  }
  off();
  await stop();
}

/** The headless server (src/main/server) in this process on 127.0.0.1, any free port, no token. */
async function startHttp(server, engine) {
  return server.startServer({ engine, host: '127.0.0.1', port: 0, token: null, rendererDir });
}

try {
  if (mode !== 'queue') throw new Error(`unknown mode ${mode}`);
  await queue();
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
}
