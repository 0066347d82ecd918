// ClipHarbor benchmark: `npm run bench` (builds, then runs this with the project's Node 22).
//   1. downloads: 20 local videos, ClipHarbor CLI vs `xargs -P4 yt-dlp` vs sequential yt-dlp
//   2. enqueue 10 000 URLs through the engine's jobs.add
//   3. library.list on a 100 000-item library
//   4. renderer in Chromium: Gallery with 10 000 items (first paint, scroll frames), Queue with 50 jobs in progress
//   5. direct downloads: a 1 GiB file on 127.0.0.1, curl vs aria2c -x4 -s4 vs the engine's downloadFile, and resume
// Prints a Markdown report and writes it to bench/RESULTS.md. See bench/README.md.
// `node bench/run.mjs renderer` (or `direct`) runs step 4 (or 5) alone and replaces only its part of RESULTS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngineBundle } from './lib/bundle.mjs';
import { ensureMedia } from './lib/media.mjs';
import { cpuSnapshot, killAll, median, othersCpuMs, quantile, run, which } from './lib/proc.mjs';
import { startServer } from './lib/server.mjs';
import { measureSteps } from './lib/steps.mjs';
import { directBench, DirectBenchError, directCleanup, directSection, directSummaryRows } from './direct.mjs';
import { CHROMIUM, RendererBenchError, rendererBench, rendererSection, rendererSummaryRows } from './renderer.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, 'bench');
const WORK = path.join(BENCH, '.work');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const STORE_BENCH = path.join(BENCH, 'lib', 'store-bench.mjs');
const RESULTS = process.env.BENCH_QUICK === '1' ? path.join(BENCH, '.work', 'RESULTS-quick.md') : path.join(BENCH, 'RESULTS.md');

// BENCH_QUICK=1: one round of everything and a 20 000-item library, written to bench/.work/RESULTS-quick.md
// (for checking the bench itself; its figures are not the benchmark's).
const QUICK = process.env.BENCH_QUICK === '1';
const VIDEOS = 20;
const CONCURRENCY = 4;
const REPS = QUICK ? 1 : 3;
const STEP_REPS = QUICK ? 1 : 5;
const ENQUEUE_URLS = 10_000;
const ENQUEUE_RUNS = QUICK ? 1 : 3;
const LIBRARY_ITEMS = QUICK ? 20_000 : 100_000;
const VIA_ITEMSTORE = QUICK ? 2_000 : 10_000;
const QUERY_RUNS = 20;
const DOWNLOAD_TOLERANCE = 0.05;
const ENQUEUE_TARGET_MS = 1000;
const QUERY_TARGET_MS = 20;
const STEPS = ['downloads', 'enqueue', 'library', 'renderer', 'direct'];
/** Steps that can run alone (`node bench/run.mjs <step>`), replacing only their blocks in RESULTS.md. */
const ALONE = ['renderer', 'direct'];
const ONLY = ALONE.includes(process.argv.slice(2).join(' ')) ? process.argv.slice(2).join(' ') : null;
const RENDERER_ONLY = ONLY === 'renderer';

const require = createRequire(import.meta.url);
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const rel = (p) => path.relative(ROOT, p) || '.';

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// preflight and environment

function firstLine(file, args) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim().split('\n')[0];
  } catch {
    return null;
  }
}

function preflight() {
  const args = process.argv.slice(2);
  if (args.length && !ONLY) {
    throw new BenchError(`unknown arguments ${args.join(' ')}: \`node bench/run.mjs\` runs every step (${STEPS.join(', ')}), \`node bench/run.mjs renderer\` or \`node bench/run.mjs direct\` one step alone.`);
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    throw new BenchError(`Node ${process.versions.node} is too old (better-sqlite3 needs Node 22 here): run \`npm run bench\`, which uses the project's Node 22.`);
  }
  const tools = {};
  const missing = [];
  // the direct step checks curl and aria2c itself and reports a missing one as skipped
  for (const name of ONLY === 'direct' ? [] : RENDERER_ONLY ? ['ffmpeg'] : ['yt-dlp', 'ffmpeg', 'ffprobe', 'xargs']) {
    tools[name] = which(name);
    if (!tools[name]) missing.push(name);
  }
  if (ONLY !== 'direct' && !fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  if (missing.length) {
    throw new BenchError(`${missing.join(', ')} not found. The benchmark needs yt-dlp, ffmpeg/ffprobe, GNU xargs and Chromium (Debian/Ubuntu: apt install yt-dlp ffmpeg findutils chromium; CHROMIUM_PATH=… for another Chromium).`);
  }
  if (tools.xargs && !/GNU/.test(firstLine(tools.xargs, ['--version']) ?? '')) {
    throw new BenchError(`${tools.xargs} is not GNU xargs; the benchmark uses its -a/-d/-P options.`);
  }
  if (!fs.existsSync(CLI)) throw new BenchError(`${rel(CLI)} is missing: run \`npm run bench\` (it builds first) or \`npx electron-vite build\`.`);
  if (ONLY !== 'direct' && !fs.existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))) throw new BenchError('out/renderer/index.html is missing: run `npx electron-vite build`.');
  try {
    require('better-sqlite3');
  } catch (err) {
    throw new BenchError(`better-sqlite3 cannot be loaded (${err.message.split('\n')[0]}): run \`npm ci\`.`);
  }
  return tools;
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function environment(tools) {
  const Database = require('better-sqlite3');
  const mem = new Database(':memory:');
  const sqlite = mem.prepare('SELECT sqlite_version() AS v').get().v;
  mem.close();
  const git = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  let dirty = false;
  try {
    dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout
  }
  const srcNewest = Math.max(newestMtime(path.join(ROOT, 'src', 'main')), newestMtime(path.join(ROOT, 'src', 'shared')));
  return {
    date: new Date().toISOString(),
    nproc: firstLine('nproc', []) ?? String(os.availableParallelism()),
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ytdlp: firstLine(tools['yt-dlp'], ['--version']),
    ffmpeg: (firstLine(tools.ffmpeg, ['-version']) ?? '').replace(/ Copyright.*/, ''),
    xargs: firstLine(tools.xargs, ['--version']),
    sqlite,
    betterSqlite: require('better-sqlite3/package.json').version,
    git: git ? `${git}${dirty ? ' (src/ has uncommitted changes)' : ''}` : 'n/a',
    staleBuild: fs.statSync(CLI).mtimeMs < Math.max(srcNewest, newestMtime(path.join(ROOT, 'src', 'renderer'))),
    loadStart: os.loadavg()[0],
  };
}

// ---------------------------------------------------------------------------------------------------------
// 1. downloads

function mediaFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue; // .staging, .thumbs
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...mediaFiles(p));
    else if (/\.(mp4|mkv|webm|m4a)$/i.test(e.name)) out.push(p);
  }
  return out;
}

function verifyPlain(variant, dir, res, sizes) {
  if (res.code !== 0) throw new BenchError(`${variant} exited with ${res.code ?? res.signal}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const files = mediaFiles(dir);
  if (files.length !== sizes.size) throw new BenchError(`${variant} left ${files.length} files in ${dir}, expected ${sizes.size}.`);
  for (const f of files) {
    const want = sizes.get(path.basename(f));
    if (want === undefined || fs.statSync(f).size !== want) throw new BenchError(`${variant}: ${f} is not a complete copy of a served clip.`);
  }
}

function verifyClipHarbor(dir, res, sizes) {
  if (res.code !== 0) throw new BenchError(`ClipHarbor exited with ${res.code ?? res.signal}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const lines = res.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const bad = lines.filter((l) => l.status !== 'completed');
  if (lines.length !== sizes.size || bad.length) {
    throw new BenchError(`ClipHarbor reported ${lines.length} jobs (${bad.length} not completed: ${bad.map((b) => `${b.status} ${b.error?.message ?? ''}`).join('; ')}), expected ${sizes.size} completed.`);
  }
  const files = mediaFiles(path.join(dir, 'lib'));
  if (files.length !== sizes.size) throw new BenchError(`ClipHarbor left ${files.length} media files in ${dir}/lib, expected ${sizes.size}.`);
  for (const l of lines) {
    const name = decodeURIComponent(new URL(l.url).pathname.split('/').pop());
    const want = sizes.get(name);
    // --embed-metadata rewrites the container, so the size differs by a few hundred bytes at most
    if (!l.file || !fs.existsSync(l.file) || Math.abs(fs.statSync(l.file).size - want) > want * 0.01) {
      throw new BenchError(`ClipHarbor: ${l.file} for ${name} is missing or not the served clip.`);
    }
  }
}

/** Per-job phase times from the run's database (jobs and attempts carry ms timestamps). */
function phases(dataDir, res) {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dataDir, 'clipharbor.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT j.id, j.created_at, j.started_at, j.finished_at, MIN(a.started_at) AS a_start, MAX(a.ended_at) AS a_end, COUNT(a.id) AS attempts
         FROM jobs j JOIN attempts a ON a.job_id = j.id WHERE j.kind = 'single' GROUP BY j.id ORDER BY j.id`,
      )
      .all();
    const jobs = rows.map((r) => ({
      wait: r.started_at - r.created_at,
      prep: r.a_start - r.started_at,
      ytdlp: r.a_end - r.a_start,
      post: r.finished_at - r.a_end,
      total: r.finished_at - r.started_at,
      attempts: r.attempts,
    }));
    const created = Math.min(...rows.map((r) => r.created_at));
    const firstStart = Math.min(...rows.map((r) => r.started_at));
    const firstYtdlp = Math.min(...rows.map((r) => r.a_start));
    const lastFinish = Math.max(...rows.map((r) => r.finished_at));
    return {
      jobs,
      startupMs: created - res.startedAt,
      firstStartMs: firstStart - res.startedAt,
      firstYtdlpMs: firstYtdlp - res.startedAt,
      tailMs: res.endedAt - lastFinish,
    };
  } finally {
    db.close();
  }
}

async function downloads(tmp, tools) {
  const mediaDir = path.join(WORK, 'media');
  log(`preparing ${VIDEOS} test videos in ${rel(mediaDir)} …`);
  const media = await ensureMedia(mediaDir, VIDEOS);
  if (media.generatedMs !== null) log(`generated in ${(media.generatedMs / 1000).toFixed(1)} s (cached for later runs)`);
  const sizes = new Map(media.files.map((f) => [f, fs.statSync(path.join(mediaDir, f)).size]));
  const server = await startServer(mediaDir);
  try {
    const urls = media.files.map((f) => server.url(f));
    const listFile = path.join(tmp, 'urls.txt');
    fs.writeFileSync(listFile, `${urls.join('\n')}\n`);
    const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);

    const commands = {
      clipharbor: (dir) => [process.execPath, [CLI, 'get', '--json', '--concurrency', String(CONCURRENCY), '--data', path.join(dir, 'data'), '--dir', path.join(dir, 'lib'), ...urls]],
      xargs: (dir) => [tools.xargs, [`-P${CONCURRENCY}`, '-n1', '-d', '\\n', '-a', listFile, tools['yt-dlp'], '-q', '-o', path.join(dir, '%(id)s.%(ext)s'), '--']],
      sequential: (dir, url) => [tools['yt-dlp'], ['-q', '-o', path.join(dir, '%(id)s.%(ext)s'), '--', url]],
    };
    const variants = {
      clipharbor: async (dir) => {
        const [file, args] = commands.clipharbor(dir);
        const res = await run(file, args, { cwd: tmp });
        verifyClipHarbor(dir, res, sizes);
        return { wallMs: res.wallMs, cpuMs: res.cpuMs, phases: phases(path.join(dir, 'data'), res) };
      },
      xargs: async (dir) => {
        fs.mkdirSync(dir, { recursive: true });
        const [file, args] = commands.xargs(dir);
        const res = await run(file, args, { cwd: tmp });
        verifyPlain('xargs', dir, res, sizes);
        return { wallMs: res.wallMs, cpuMs: res.cpuMs };
      },
      sequential: async (dir) => {
        fs.mkdirSync(dir, { recursive: true });
        const t0 = performance.now();
        let cpuMs = 0;
        for (const url of urls) {
          const [file, args] = commands.sequential(dir, url);
          const res = await run(file, args, { cwd: tmp });
          if (res.code !== 0) throw new BenchError(`yt-dlp ${url} exited with ${res.code}: ${res.stderr.trim().split('\n').pop()}`);
          cpuMs = res.cpuMs === null || cpuMs === null ? null : cpuMs + res.cpuMs;
        }
        const wallMs = performance.now() - t0;
        verifyPlain('sequential', dir, { code: 0, stderr: '' }, sizes);
        return { wallMs, cpuMs };
      },
    };

    const names = Object.keys(variants);
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let rep = 0; rep < REPS; rep++) {
      const order = names.map((_, i) => names[(i + rep) % names.length]);
      for (const [pos, name] of order.entries()) {
        const dir = path.join(tmp, `dl-${rep + 1}-${name}`);
        log(`downloads: run ${rep + 1}/${REPS}, ${name} …`);
        const before = cpuSnapshot();
        const r = await variants[name](dir);
        const othersMs = othersCpuMs(before, cpuSnapshot());
        runs[name].push({ ...r, rep: rep + 1, pos: pos + 1, othersMs });
        log(`  ${(r.wallMs / 1000).toFixed(2)} s wall, ${r.cpuMs === null ? '?' : (r.cpuMs / 1000).toFixed(2)} s CPU; other processes used ${othersMs === null ? '?' : (othersMs / 1000).toFixed(2)} s CPU meanwhile`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    log('downloads: per-step costs of one job …');
    const steps = await measureSteps({
      bundleDir: path.join(tmp, 'bundle'),
      cli: CLI,
      url: urls[2],
      sourceFile: path.join(mediaDir, media.files[2]),
      tmp: path.join(tmp, 'steps'),
      reps: STEP_REPS,
    });

    const sampleDir = path.join(tmp, 'dl-<run>-<variant>');
    const show = (file, args) =>
      [file === process.execPath ? 'node' : path.basename(file), ...args.map((a) => (a.startsWith(ROOT + path.sep) ? rel(a) : a))].map(shellQuote).join(' ');
    const ch = commands.clipharbor(sampleDir);
    const xa = commands.xargs(sampleDir);
    const sq = commands.sequential(sampleDir, '"$url"');
    return {
      runs,
      steps,
      totalBytes,
      sizes: [...sizes.values()],
      serverRequests: server.stats.requests,
      commands: {
        clipharbor: `${show(ch[0], ch[1].slice(0, -urls.length))} <the ${VIDEOS} URLs>`,
        xargs: `${show(xa[0], xa[1].map((a) => (a === tools['yt-dlp'] ? 'yt-dlp' : a)))}   # urls.txt: the ${VIDEOS} URLs, one per line`,
        sequential: `for url in <the ${VIDEOS} URLs>; do ${show(sq[0], sq[1].slice(0, -1))} "$url"; done   # one process at a time, spawned from Node`,
      },
      sampleUrl: urls[0],
      stepBytes: sizes.get(media.files[2]),
    };
  } finally {
    await server.close();
  }
}

function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------------------
// 2 + 3. store benchmarks (child processes, so peak RSS is theirs alone)

async function storeChild(args) {
  const res = await run(process.execPath, [STORE_BENCH, ...args], { cwd: ROOT });
  if (res.code !== 0) throw new BenchError(`store benchmark ${args[0]} failed: ${res.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
  return { ...JSON.parse(res.stdout.trim().split('\n').pop()), processWallMs: res.wallMs };
}

async function enqueue(tmp) {
  const out = [];
  for (let i = 1; i <= ENQUEUE_RUNS; i++) {
    log(`enqueue: run ${i}/${ENQUEUE_RUNS} (${ENQUEUE_URLS} URLs) …`);
    const dir = path.join(tmp, `enqueue-${i}`);
    out.push(await storeChild(['enqueue', path.join(tmp, 'bundle'), path.join(dir, 'data'), path.join(dir, 'lib'), String(ENQUEUE_URLS)]));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function library(tmp) {
  const dir = path.join(tmp, 'library');
  const args = (mode, n, k) => [mode, path.join(tmp, 'bundle'), path.join(dir, 'data'), path.join(dir, 'lib'), n, k];
  log(`library: inserting ${LIBRARY_ITEMS} items (first ${VIA_ITEMSTORE} through ItemStore.insert) …`);
  const built = await storeChild(args('build', String(LIBRARY_ITEMS), String(VIA_ITEMSTORE)));
  log(`library: library.list, ${QUERY_RUNS} runs per query …`);
  const queried = await storeChild(args('query', '-', String(QUERY_RUNS)));
  const dbBytes = fs.statSync(path.join(dir, 'data', 'clipharbor.sqlite')).size;
  fs.rmSync(dir, { recursive: true, force: true });
  return { built, queried, dbBytes };
}

// ---------------------------------------------------------------------------------------------------------
// report

const s2 = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const ms1 = (ms) => (ms === null || ms === undefined ? 'n/a' : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const signed = (ms) => (ms === null || ms === undefined ? 'n/a' : `${ms < 0 ? '−' : '+'}${ms1(Math.abs(ms))}`);
const verdict = (ok) => (ok ? 'target met' : 'target missed');

/** The blocks of the steps that can run alone, between markers, so `run.mjs <step>` can replace them alone. */
const RENDERER_SUMMARY = ['<!-- renderer summary -->', '<!-- /renderer summary -->'];
const RENDERER_SECTION = ['<!-- renderer -->', '<!-- /renderer -->'];
const DIRECT_SUMMARY = ['<!-- direct summary -->', '<!-- /direct summary -->'];
const DIRECT_SECTION = ['<!-- direct -->', '<!-- /direct -->'];
const MARKS = { renderer: [RENDERER_SUMMARY, RENDERER_SECTION], direct: [DIRECT_SUMMARY, DIRECT_SECTION] };
const block = ([open, close], body) => [open, body, close].join('\n');

/** Replaces (or, in an older file, inserts) one step's two blocks (summary rows, section) in an existing report. */
function spliceStep(md, [summaryMarks, sectionMarks], rows, section) {
  const put = (text, marks, body, insert) => {
    const re = new RegExp(`${marks[0]}[\\s\\S]*?${marks[1]}`);
    return re.test(text) ? text.replace(re, () => block(marks, body)) : insert(text, block(marks, body));
  };
  let out = put(md, summaryMarks, rows, (text, b) => {
    const table = text.indexOf('| Figure | Result | Target | Verdict |');
    if (table < 0) return `${text.trimEnd()}\n\n${b}\n`;
    const end = text.indexOf('\n\n', table);
    return end < 0 ? `${text}\n${b}\n` : `${text.slice(0, end)}\n${b}${text.slice(end)}`;
  });
  out = put(out, sectionMarks, section, (text, b) => {
    const cmds = text.indexOf('\n## Commands');
    return cmds < 0 ? `${text.trimEnd()}\n\n${b}\n` : `${text.slice(0, cmds)}\n${b}\n${text.slice(cmds)}`;
  });
  return out;
}

function report(env, dl, enq, lib, ren, dir, benchMs) {
  const L = [];
  const med = (name, key) => median(dl.runs[name].map((r) => r[key]));
  const ch = med('clipharbor', 'wallMs');
  const xa = med('xargs', 'wallMs');
  const sq = med('sequential', 'wallMs');
  const chCpu = med('clipharbor', 'cpuMs');
  const xaCpu = med('xargs', 'cpuMs');
  const sqCpu = med('sequential', 'cpuMs');
  const dlOk = ch <= xa * (1 + DOWNLOAD_TOLERANCE);
  const enqMs = median(enq.map((e) => e.addMs));
  const enqRss = Math.max(...enq.map((e) => e.maxRssKB));
  const enqOk = enqMs < ENQUEUE_TARGET_MS;
  const q = lib.queried.results;

  L.push('# ClipHarbor benchmark results', '');
  if (QUICK) L.push('**BENCH_QUICK=1: reduced run for checking the bench; these figures are not the benchmark.**', '');
  L.push('Generated by `npm run bench` (bench/run.mjs); every figure below comes from that run. See bench/README.md.', '');
  L.push(`- Date: ${env.date}`);
  L.push(`- Machine: nproc ${env.nproc} (${env.cpu}), ${env.memGiB} GiB RAM, ${env.os}`);
  L.push(`- Node ${env.node}; yt-dlp ${env.ytdlp}; ${env.ffmpeg}; ${env.xargs}; SQLite ${env.sqlite} (better-sqlite3 ${env.betterSqlite})`);
  L.push(`- Code: git ${env.git}${env.staleBuild ? '; WARNING: out/main/cli.js is older than src/ (run `npm run bench`, which rebuilds)' : ''}`);
  L.push(`- System load (1-min load average) at start ${env.loadStart.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}; the machine is not reserved for the bench, so other processes may have competed for its ${env.nproc} CPUs`);
  L.push(`- Whole bench: ${(benchMs / 1000).toFixed(0)} s`, '');

  L.push('## Summary', '');
  L.push('| Figure | Result | Target | Verdict |', '|---|---|---|---|');
  L.push(`| Downloads: ${VIDEOS} local videos (${(dl.totalBytes / 1e6).toFixed(0)} MB), ClipHarbor \`--concurrency ${CONCURRENCY}\` vs \`xargs -P${CONCURRENCY} yt-dlp\`, median wall of ${REPS} | ${s2(ch)} vs ${s2(xa)} (×${(ch / xa).toFixed(2)}) | within ${DOWNLOAD_TOLERANCE * 100} % of xargs | ${verdict(dlOk)} |`);
  L.push(`| Downloads: same, CPU time of the whole process tree | ${s2(chCpu)} vs ${s2(xaCpu)} (×${(chCpu / xaCpu).toFixed(2)}) | — | (explains the wall time) |`);
  L.push(`| Downloads: ClipHarbor vs sequential yt-dlp | ${s2(ch)} vs ${s2(sq)} (×${(ch / sq).toFixed(2)}) | — | (reference) |`);
  L.push(`| Enqueue ${ENQUEUE_URLS.toLocaleString('en')} URLs (\`jobs.add\`, fresh data dir) | ${ms1(enqMs)}, peak RSS ${mb(enqRss)} | < ${ENQUEUE_TARGET_MS} ms | ${verdict(enqOk)} |`);
  for (const r of q) L.push(`| \`library.list\` on ${LIBRARY_ITEMS.toLocaleString('en')} items: ${r.label} | ${ms1(r.medianMs)} (median of ${lib.queried.runs}) | < ${QUERY_TARGET_MS} ms | ${verdict(r.medianMs < QUERY_TARGET_MS)} |`);
  L.push(block(RENDERER_SUMMARY, rendererSummaryRows(ren).join('\n')));
  L.push(block(DIRECT_SUMMARY, directSummaryRows(dir).join('\n')));
  L.push('');

  L.push('## 1. Downloads', '');
  L.push(`${VIDEOS} distinct H.264/AAC mp4s (${(Math.min(...dl.sizes) / 1e6).toFixed(1)}–${(Math.max(...dl.sizes) / 1e6).toFixed(1)} MB, 640×360, 6–10 s) served on 127.0.0.1 by the bench's own HTTP server (Range support). Each variant ran ${REPS} times with a fresh output folder (and, for ClipHarbor, a fresh data folder), rotating the order each round. Wall time is spawn to exit; CPU is user+system of the whole process tree (all yt-dlp/ffmpeg/ffprobe children included).`, '');
  L.push('| Variant | ' + Array.from({ length: REPS }, (_, i) => `Run ${i + 1}`).join(' | ') + ' | Median wall | Median CPU | Ratio ClipHarbor/this |');
  L.push('|---|' + '---|'.repeat(REPS) + '---|---|---|');
  for (const [name, label] of [
    ['clipharbor', `ClipHarbor \`get --concurrency ${CONCURRENCY}\``],
    ['xargs', `\`xargs -P${CONCURRENCY} -n1 yt-dlp\``],
    ['sequential', 'sequential `yt-dlp`'],
  ]) {
    const cells = dl.runs[name].map((r) => `${s2(r.wallMs)} (#${r.pos}; others ${s2(r.othersMs)})`);
    const ratio = name === 'clipharbor' ? '—' : `×${(ch / med(name, 'wallMs')).toFixed(2)}`;
    L.push(`| ${label} | ${cells.join(' | ')} | ${s2(med(name, 'wallMs'))} | ${s2(med(name, 'cpuMs'))} | ${ratio} |`);
  }
  L.push('', `(#n = position of that run within its round; others = CPU time that processes outside the bench used during the run, from /proc/stat: with ${env.nproc} CPUs, a few seconds of it visibly slow a run down.)`, '');

  // where ClipHarbor's time goes
  const jobs = dl.runs.clipharbor.flatMap((r) => r.phases.jobs);
  const phaseRow = (label, key, note) => `| ${label} | ${ms1(median(jobs.map((j) => j[key])))} | ${ms1(quantile(jobs.map((j) => j[key]), 0.9))} | ${note} |`;
  L.push(`### Where ClipHarbor's time goes`, '');
  L.push(`Per job, from the run databases (jobs.created/started/finished_at, attempts.started/ended_at), ${jobs.length} jobs over ${REPS} runs:`, '');
  L.push('| Phase | Median | p90 | What happens |', '|---|---|---|---|');
  L.push(phaseRow('waiting for a slot', 'wait', 'queued until one of the 4 download slots is free'));
  L.push(phaseRow('before the download', 'prep', 'transition to resolving/downloading, routing, staging folder (media-file links skip the resolve step)'));
  L.push(phaseRow('download attempt', 'ytdlp', 'the provider\'s attempt: for these media-file links the direct downloader (HTTP in process, no yt-dlp)'));
  L.push(phaseRow('post-processing', 'post', 'validation (ffprobe ×2), hashes (sha256, packet hash), ffmpeg thumbnail and keyframes, move, commit; holds no slot'));
  L.push(phaseRow('job total (started → finished)', 'total', ''));
  const pr = (k) => ms1(median(dl.runs.clipharbor.map((r) => r.phases[k])));
  L.push('', `Per run (median): CLI spawn → jobs added ${pr('startupMs')}, → first job started ${pr('firstStartMs')}, → first download attempt started ${pr('firstYtdlpMs')}; last job finished → process exit ${pr('tailMs')}.`, '');

  const st = Object.fromEntries(dl.steps.map((s) => [s.key, s]));
  L.push(`Each step on its own (one ${(dl.stepBytes / 1e6).toFixed(1)} MB clip, one step at a time, median of ${STEP_REPS}):`, '');
  L.push('| Step | Wall | CPU |', '|---|---|---|');
  for (const s of dl.steps) L.push(`| ${s.label} | ${ms1(s.wallMs)} | ${ms1(s.cpuMs)} |`);
  const postKeys = ['probe', 'sha256', 'streamHash', 'thumb'].filter((k) => st[k]);
  const perJobExtra = st.ch.cpuMs - st.plain.cpuMs + postKeys.reduce((a, k) => a + st[k].cpuMs, 0);
  const onceExtra = st.help.cpuMs + st.cliStart.cpuMs;
  const measuredExtra = chCpu !== null && xaCpu !== null ? chCpu - xaCpu : null;
  L.push('');
  L.push(`Where a link does go through yt-dlp (a page, not a media file), the estimated extra CPU of ClipHarbor over plain yt-dlp is: per job ${ms1(perJobExtra)} (yt-dlp with ClipHarbor's arguments ${signed(st.ch.cpuMs - st.plain.cpuMs)} vs plain, where the embed options alone cost ${signed(st.ch.cpuMs - st.chNoEmbed.cpuMs)}; ${postKeys.map((k) => `${k} ${ms1(st[k].cpuMs)}`).join('; ')}), plus once per run ${ms1(onceExtra)} (yt-dlp --help ${ms1(st.help.cpuMs)}, Node CLI start/exit ${ms1(st.cliStart.cpuMs)}). For ${VIDEOS} jobs: ${s2(perJobExtra * VIDEOS + onceExtra)}. Measured: ClipHarbor ${s2(chCpu)} CPU vs xargs ${s2(xaCpu)} (+${s2(measuredExtra)}, ${ms1(measuredExtra / VIDEOS)} per job) and sequential ${s2(sqCpu)}.`);
  L.push(`With ${env.nproc} CPUs and ${CONCURRENCY} parallel downloads from localhost, the network is not the bottleneck: every variant is CPU-bound, so wall time follows CPU time.`, '');

  L.push('## 2. Enqueue', '');
  L.push(`\`engine.call('jobs.add', { urls })\` with ${ENQUEUE_URLS.toLocaleString('en')} distinct URLs (YouTube watch/short links with tracking parameters, Vimeo, Dailymotion, direct .mp4), engine created but not started, fresh data dir, one child process per run. Peak RSS = \`process.resourceUsage().maxRSS\` after the call (whole process: Node + engine + 10 000 URL strings and the 10 000 returned jobs).`, '');
  L.push('| Run | Engine open | jobs.add | Jobs created | RSS before call | Peak RSS | Process wall |', '|---|---|---|---|---|---|---|');
  enq.forEach((e, i) => L.push(`| ${i + 1} | ${ms1(e.openMs)} | ${ms1(e.addMs)} | ${e.created} | ${mb(e.rssBeforeKB)} | ${mb(e.maxRssKB)} | ${ms1(e.processWallMs)} |`));
  L.push(`| **median** | | **${ms1(enqMs)}** | | | max **${mb(enqRss)}** | |`, '');

  const b = lib.built;
  L.push('## 3. Library queries', '');
  L.push(`${LIBRARY_ITEMS.toLocaleString('en')} synthetic items (8 sources, youtube 60 %; titles of 3–8 words from a ${lib.built.vocabulary}-word vocabulary; heights 144–2160; durations 5 s–2 h; created_at spread over ~3 years), database ${(lib.dbBytes / 1e6).toFixed(0)} MB. Built in one child process: the first ${b.viaStore.toLocaleString('en')} through the engine's \`ItemStore.insert\` in one transaction (${ms1(b.storeMs)}, ${((b.storeMs * 1000) / b.viaStore).toFixed(0)} µs per item, RSS +${mb(b.storeRssGrowthKB)}), the remaining ${b.bulk.toLocaleString('en')} through one prepared INSERT with the same columns (${ms1(b.bulkMs)}, ${((b.bulkMs * 1000) / b.bulk).toFixed(0)} µs per item); FTS triggers on for both.`);
  L.push(`Queried from a second, fresh process (as on the next app start: SQLite's cache empty, the OS file cache warm; engine open ${ms1(lib.queried.openMs)}): \`engine.call('library.list', args)\`, page of 100, ${lib.queried.runs} timed runs after one untimed first run.`, '');
  L.push('| Query | args | Matches | First run | Median | p90 | Max | Target < 20 ms |', '|---|---|---|---|---|---|---|---|');
  for (const r of q) L.push(`| ${r.label} | \`${JSON.stringify(r.args)}\` | ${r.total.toLocaleString('en')} | ${ms1(r.firstMs)} | **${ms1(r.medianMs)}** | ${ms1(r.p90Ms)} | ${ms1(r.maxMs)} | ${verdict(r.medianMs < QUERY_TARGET_MS)} |`);
  L.push('', 'Query plans: `EXPLAIN QUERY PLAN` of each statement one `library.list` call ran (captured from the engine\'s own db.prepare):', '');
  for (const p of lib.queried.plans) {
    L.push(`- ${p.label}:`);
    for (const st of p.statements) L.push(`  - \`${st.sql.length > 110 ? `${st.sql.slice(0, 110)}…` : st.sql}\` → ${st.plan.join('; ')}`);
  }
  L.push('');

  L.push(block(RENDERER_SECTION, rendererSection(ren, env)), '');
  L.push(block(DIRECT_SECTION, directSection(dir, env)), '');

  L.push('## Commands', '');
  L.push('```sh');
  L.push('npm run bench          # = electron-vite build && node bench/run.mjs (Node 22 from node_modules)');
  L.push('npx electron-vite build && npm exec --offline -- node bench/run.mjs renderer   # step 4 alone; replaces only its part of this file');
  L.push('npm exec --offline -- node bench/run.mjs direct     # step 5 alone, likewise (curl -s -S -f -o, aria2c -x4 -s4, downloadFile; see bench/direct.mjs)');
  L.push(`# downloads, URLs like ${dl.sampleUrl}; <run> = a fresh folder per run under bench/.work/`);
  L.push(dl.commands.clipharbor);
  L.push(dl.commands.xargs);
  L.push(dl.commands.sequential);
  L.push('# enqueue / library (engine bundled from src/ by rolldown into bench/.work/run-*/bundle)');
  L.push(`node bench/lib/store-bench.mjs enqueue <bundle> <data> <lib> ${ENQUEUE_URLS}        # ×${ENQUEUE_RUNS}`);
  L.push(`node bench/lib/store-bench.mjs build   <bundle> <data> <lib> ${LIBRARY_ITEMS} ${VIA_ITEMSTORE}`);
  L.push(`node bench/lib/store-bench.mjs query   <bundle> <data> <lib> - ${QUERY_RUNS}`);
  L.push('```', '');
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------------------

let tmpRoot = null;
function cleanup() {
  killAll();
  directCleanup();
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = null;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping and cleaning up`);
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

async function main() {
  const started = performance.now();
  const tools = preflight();
  const env = environment(tools);
  if (env.staleBuild) log('warning: out/main/cli.js is older than src/; `npm run bench` rebuilds it');
  fs.mkdirSync(WORK, { recursive: true });
  tmpRoot = fs.mkdtempSync(path.join(WORK, 'run-'));
  log(`work folder ${rel(tmpRoot)}; ${env.nproc} CPUs, Node ${env.node}, yt-dlp ${env.ytdlp}`);
  const bundle = await buildEngineBundle(ROOT, path.join(tmpRoot, 'bundle'));
  log(`engine bundled for the store benchmarks in ${bundle.ms.toFixed(0)} ms`);

  if (ONLY) {
    let rows;
    let section;
    if (RENDERER_ONLY) {
      const ren = await rendererBench({ root: ROOT, tmp: tmpRoot, bundleDir: bundle.dir, quick: QUICK, log });
      rows = rendererSummaryRows(ren).join('\n');
      section = rendererSection(ren, env);
    } else {
      const dir = await directBench({ bundleDir: bundle.dir, quick: QUICK, log });
      rows = directSummaryRows(dir).join('\n');
      section = directSection(dir, env);
    }
    const previous = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# ClipHarbor benchmark results\n\n## Summary\n\n| Figure | Result | Target | Verdict |\n|---|---|---|---|\n';
    fs.writeFileSync(RESULTS, spliceStep(previous, MARKS[ONLY], rows, section));
    process.stdout.write(`| Figure | Result | Target | Verdict |\n|---|---|---|---|\n${rows}\n\n${section}\n`);
    log(`${ONLY} part of ${rel(RESULTS)} replaced`);
    return;
  }

  const dl = await downloads(tmpRoot, tools);
  const enq = await enqueue(tmpRoot);
  const lib = await library(tmpRoot);
  const ren = await rendererBench({ root: ROOT, tmp: tmpRoot, bundleDir: bundle.dir, quick: QUICK, log });
  const dir = await directBench({ bundleDir: bundle.dir, quick: QUICK, log });

  const md = report(env, dl, enq, lib, ren, dir, performance.now() - started);
  fs.writeFileSync(RESULTS, md);
  process.stdout.write(`${md}\n`);
  log(`written to ${rel(RESULTS)}`);
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (err) => {
    cleanup();
    const known = err instanceof BenchError || err instanceof RendererBenchError || err instanceof DirectBenchError;
    process.stderr.write(`bench: ${known ? err.message : err?.stack ?? err}\n`);
    process.exit(1);
  },
);
