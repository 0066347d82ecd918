// Renderer benchmark, step 4 of bench/run.mjs (`node bench/run.mjs renderer` runs only this one): the real React
// renderer (out/renderer) in Debian's Chromium, served by the real headless server.
//   Gallery: a 10 000-item library (built by lib/store-bench.mjs, one real JPEG thumbnail hard-linked for every
//     item) served by `node out/main/cli.js serve`; time from the data's arrival to the first paint of cards (the
//     Gallery's own performance marks `gallery:data` and `gallery:painted`), then rAF frame intervals while the
//     Library list is scrolled from top to bottom in ~5 s.
//   Queue: 50 jobs emitting `job.progress` over the WebSocket at the engine's real rate (lib/renderer-bench.mjs runs
//     the server in a child process and drives the engine's ProgressCoalescer); share of wall time the page's main
//     thread is busy, from CDP Performance.getMetrics TaskDuration.
// Functions passed to page.evaluate run in the page, with the browser's globals:
/* global document, window, getComputedStyle, requestAnimationFrame, MutationObserver */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import os from 'node:os';
import { cpuSnapshot, median, quantile, run } from './lib/proc.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const TARGETS = { paintMs: 500, frameP95Ms: 20, busyShare: 0.25 };
const VIEWPORT = { width: 1280, height: 800 };
const READY_LINE = /ClipHarbor is running at (\S+)/;

export class RendererBenchError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// sharing the machine: the CPU time the rest of the machine used while a figure was measured

let ticks = null;
function ticksPerSec() {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU ms of this process and every live descendant (Chromium, servers), plus what reaped ones used; null without /proc. */
function treeCpuMs() {
  try {
    const stats = new Map();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const raw = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
        // after the name: state ppid … utime(12th) stime cutime cstime
        stats.set(Number(name), { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
      } catch {
        // exited meanwhile
      }
    }
    const children = new Map();
    for (const [pid, st] of stats) children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
    let total = 0;
    const stack = [process.pid];
    while (stack.length) {
      const pid = stack.pop();
      const st = stats.get(pid);
      if (!st) continue;
      total += st.own + st.reaped;
      stack.push(...(children.get(pid) ?? []));
    }
    return (total * 1000) / ticksPerSec();
  } catch {
    return null;
  }
}

/** Starts a window; `end()` says how busy the machine was and how much of that was not this benchmark. */
function machineWindow() {
  const a = { ...cpuSnapshot(), tree: treeCpuMs(), t: performance.now(), load: os.loadavg()[0] };
  return {
    end() {
      const b = { ...cpuSnapshot(), tree: treeCpuMs(), t: performance.now() };
      const capacity = (b.t - a.t) * os.availableParallelism();
      if ([a.busy, b.busy, a.tree, b.tree].some((v) => v === null)) return { othersMs: null, othersShare: null, load: a.load };
      const othersMs = Math.max(0, b.busy - a.busy - (b.tree - a.tree));
      return { othersMs, othersShare: othersMs / capacity, oursMs: b.tree - a.tree, load: a.load };
    },
  };
}

/**
 * Runs both renderer measurements. `bundleDir` holds the bench's engine bundle (for lib/store-bench.mjs);
 * the server bundle is built here. Returns plain data for `rendererReport`.
 */
export async function rendererBench({ root, tmp, bundleDir, quick, log }) {
  const cfg = {
    items: 10_000,
    galleryLoads: quick ? 1 : 3,
    scrollMs: 5000,
    jobs: 50,
    queueSeconds: quick ? 5 : 10,
    idleSeconds: 3,
  };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const chromiumVersion = browser.version();
    const gallery = await galleryBench({ root, tmp, bundleDir, browser, cfg, log });
    const queue = await queueBench({ root, tmp, browser, cfg, log });
    return { cfg, chromiumVersion, gallery, queue };
  } finally {
    await browser.close();
  }
}

/**
 * The page's main thread, from two CDP sessions: one in wall time (timeTicks: how long tasks held the thread, what
 * delays input; the figure held against the target) and one in the thread's CPU time (threadTicks: the work itself,
 * without time spent waiting for a CPU on a busy machine).
 */
async function mainThread(context, page) {
  const sessions = { wall: await context.newCDPSession(page), cpu: await context.newCDPSession(page) };
  await sessions.wall.send('Performance.enable', { timeDomain: 'timeTicks' });
  await sessions.cpu.send('Performance.enable', { timeDomain: 'threadTicks' });
  const read = async (cdp) => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  return {
    /** Runs `work` and resolves with its result and what the main thread did meanwhile. */
    async during(work) {
      const usage = machineWindow();
      const a = await Promise.all([read(sessions.wall), read(sessions.cpu)]);
      const t0 = performance.now();
      const result = await work();
      const b = await Promise.all([read(sessions.wall), read(sessions.cpu)]);
      const wallMs = performance.now() - t0;
      const d = (i, k) => ((b[i][k] ?? 0) - (a[i][k] ?? 0)) * 1000;
      const busy = {
        wallMs,
        taskMs: d(0, 'TaskDuration'),
        scriptMs: d(0, 'ScriptDuration'),
        layoutMs: d(0, 'LayoutDuration'),
        styleMs: d(0, 'RecalcStyleDuration'),
        share: d(0, 'TaskDuration') / wallMs,
        cpuMs: d(1, 'TaskDuration'),
        cpuShare: d(1, 'TaskDuration') / wallMs,
        machine: usage.end(),
      };
      return { result, busy };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Gallery

function makeJpeg(file) {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=1', '-frames:v', '1', '-q:v', '4', '-f', 'image2', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
}

/** The library: lib/store-bench.mjs's generator and bulk insert; every thumbnail a hard link to one real JPEG. */
async function seedGallery({ root, dir, bundleDir, items, log }) {
  const data = path.join(dir, 'data');
  const lib = path.join(dir, 'lib');
  log(`renderer: building a ${items}-item library with lib/store-bench.mjs …`);
  const res = await run(process.execPath, [path.join(root, 'bench', 'lib', 'store-bench.mjs'), 'build', bundleDir, data, lib, String(items), String(items)], { cwd: root });
  if (res.code !== 0) throw new RendererBenchError(`library build failed: ${res.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path.join(data, 'clipharbor.sqlite'), { readonly: true, fileMustExist: true });
  const thumbs = db.prepare('SELECT thumbnail FROM items WHERE thumbnail IS NOT NULL').pluck().all();
  const total = db.prepare('SELECT COUNT(*) FROM items').pluck().get();
  db.close();
  if (total !== items) throw new RendererBenchError(`the library has ${total} items, expected ${items}`);
  const jpeg = path.join(dir, 'thumb.jpg');
  makeJpeg(jpeg);
  for (const rel of thumbs) {
    const dest = path.join(lib, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.linkSync(jpeg, dest);
  }
  return { data, lib, items: total, withThumbnail: thumbs.length, jpegBytes: fs.statSync(jpeg).size };
}

/** `node out/main/cli.js serve` on the folder; resolves with { url, stop() } once it prints its URL. */
function startServe(root, data, lib) {
  const child = spawn(process.execPath, [path.join(root, 'out', 'main', 'cli.js'), 'serve', '--port', '0', '--data', data, '--dir', lib], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new RendererBenchError(`clipharbor serve printed no URL within 30 s: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = READY_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new RendererBenchError(`clipharbor serve exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

function withHash(url, hash) {
  const u = new URL(url);
  u.hash = hash;
  return u.toString();
}

async function galleryBench({ root, tmp, bundleDir, browser, cfg, log }) {
  const seeded = await seedGallery({ root, dir: path.join(tmp, 'gallery'), bundleDir, items: cfg.items, log });
  const server = await startServe(root, seeded.data, seeded.lib);
  const loads = [];
  try {
    for (let i = 1; i <= cfg.galleryLoads; i++) {
      log(`renderer: gallery load ${i}/${cfg.galleryLoads} (${cfg.items} items), then ${cfg.scrollMs / 1000} s of scrolling …`);
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      const requests = { pages: 0, thumbnails: 0 };
      page.on('request', (req) => {
        const p = new URL(req.url()).pathname;
        if (p === '/api/library.list') requests.pages++;
        else if (/^\/media\/\d+\/thumbnail$/.test(p)) requests.thumbnails++;
      });
      try {
        await page.goto(withHash(server.url, 'gallery'), { waitUntil: 'load', timeout: 30_000 });
        await page.waitForFunction(() => performance.getEntriesByName('gallery:painted').length > 0, null, { timeout: 30_000 }).catch(() => {
          throw new RendererBenchError('the Gallery set no `gallery:painted` performance mark within 30 s (the Gallery screen must call performance.mark("gallery:data") when the items arrive and performance.mark("gallery:painted") once the cards are painted)');
        });
        const marks = await page.evaluate(() => {
          const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
          const paint = (n) => performance.getEntriesByType('paint').find((e) => e.name === n)?.startTime ?? null;
          return { data: at('gallery:data'), painted: at('gallery:painted'), fcp: paint('first-contentful-paint') };
        });
        if (marks.data === null) throw new RendererBenchError('the Gallery set `gallery:painted` but no `gallery:data` mark');
        const list = page.getByRole('list', { name: 'Library' });
        await list.waitFor({ timeout: 30_000 });
        const before = { ...requests };
        const thread = await mainThread(context, page);
        const { result: scroll, busy } = await thread.during(() => list.evaluate(
          async (el, ms) => {
            // the nearest scrollable box holding the Library list: itself, an ancestor, or the document
            let box = document.scrollingElement;
            for (let e = el; e && e !== document.body; e = e.parentElement) {
              const oy = getComputedStyle(e).overflowY;
              if ((oy === 'auto' || oy === 'scroll') && e.scrollHeight > e.clientHeight) {
                box = e;
                break;
              }
            }
            const frames = [];
            const maxTop = () => box.scrollHeight - box.clientHeight;
            const startHeight = box.scrollHeight;
            const cardsBefore = el.querySelectorAll('[role="listitem"], li').length;
            box.scrollTop = 0;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            let steps = 0;
            await new Promise((resolve) => {
              let t0 = null;
              let prev = null;
              const tick = (t) => {
                if (t0 === null) t0 = t;
                if (prev !== null) frames.push(t - prev);
                prev = t;
                const f = Math.min(1, (t - t0) / ms);
                box.scrollTop = f * maxTop();
                steps++;
                if (f < 1) requestAnimationFrame(tick);
                else requestAnimationFrame((t2) => {
                  frames.push(t2 - prev);
                  resolve();
                });
              };
              requestAnimationFrame(tick);
            });
            return {
              frames,
              steps,
              startHeight,
              endHeight: box.scrollHeight,
              reachedBottom: Math.abs(box.scrollTop - maxTop()) <= 2,
              scrolled: box === document.scrollingElement ? 'document' : `${box.tagName.toLowerCase()}${box.getAttribute('role') ? `[role=${box.getAttribute('role')}]` : ''}`,
              cardsBefore,
              cardsAfter: el.querySelectorAll('[role="listitem"], li').length,
              lastCard: [...el.querySelectorAll('[role="listitem"], li')].at(-1)?.textContent?.slice(0, 80) ?? null,
            };
          },
          cfg.scrollMs,
        ));
        if (!scroll.reachedBottom) throw new RendererBenchError(`the Library list did not reach its bottom while scrolling (scrolled ${scroll.scrolled})`);
        if (scroll.frames.length < 30) throw new RendererBenchError(`only ${scroll.frames.length} frames while scrolling: requestAnimationFrame is not running`);
        loads.push({
          dataMs: marks.data,
          paintedMs: marks.painted,
          fcpMs: marks.fcp,
          paintAfterDataMs: marks.painted - marks.data,
          frames: scroll.frames,
          p50: quantile(scroll.frames, 0.5),
          p95: quantile(scroll.frames, 0.95),
          p99: quantile(scroll.frames, 0.99),
          max: Math.max(...scroll.frames),
          over20: scroll.frames.filter((f) => f > 20).length,
          scroll,
          busy,
          requestsBefore: before,
          requestsDuring: { pages: requests.pages - before.pages, thumbnails: requests.thumbnails - before.thumbnails },
        });
      } finally {
        await context.close();
      }
    }
  } finally {
    await server.stop();
  }
  const allFrames = loads.flatMap((l) => l.frames);
  return {
    seeded,
    loads,
    paintAfterDataMs: median(loads.map((l) => l.paintAfterDataMs)),
    paintedMs: median(loads.map((l) => l.paintedMs)),
    frames: allFrames.length,
    p50: quantile(allFrames, 0.5),
    p95: quantile(allFrames, 0.95),
    p99: quantile(allFrames, 0.99),
    max: Math.max(...allFrames),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Queue

/** The engine and the server compiled together from src/ with rolldown, as lib/bundle.mjs does for the engine. */
async function buildServerBundle(root, outDir) {
  const entry = path.join(root, 'src/main/server/index.ts');
  if (!fs.existsSync(entry)) throw new RendererBenchError('src/main/server/index.ts is missing: the queue benchmark runs the headless server in-process');
  const { build } = await import('rolldown');
  fs.mkdirSync(outDir, { recursive: true });
  await build({
    input: { engine: path.join(root, 'src/main/engine/index.ts'), server: entry },
    platform: 'node',
    external: [/^node:/, /^better-sqlite3(\/|$)/, /^pino(\/|$)/, /^zod(\/|$)/, /^ws(\/|$)/, /^electron(\/|$)/],
    logLevel: 'warn',
    output: { dir: outDir, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunk-[hash].cjs' },
    write: true,
  });
  return outDir;
}

/** lib/renderer-bench.mjs queue: a child process that serves 50 downloading jobs and streams their progress on `go`. */
function startQueueServer(root, bundle, dir, cfg) {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bench', 'lib', 'renderer-bench.mjs'), 'queue', bundle, path.join(dir, 'data'), path.join(dir, 'lib'), path.join(root, 'out', 'renderer'), String(cfg.jobs), String(cfg.queueSeconds)],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
  const messages = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    messages.push(msg);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => {
    resolve(code);
    for (const w of waiters.splice(0)) w();
  }));
  const next = async (key, timeoutMs) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m[key]);
      if (i >= 0) return messages.splice(i, 1)[0];
      if (child.exitCode !== null || Date.now() > end) {
        throw new RendererBenchError(`queue server: no "${key}" message (${child.exitCode !== null ? `exited with ${child.exitCode}` : 'timed out'}): ${err.trim().split('\n').slice(-4).join(' | ')}`);
      }
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return {
    next,
    go: () => child.stdin.write('go\n'),
    stop: async () => {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function queueBench({ root, tmp, browser, cfg, log }) {
  const dir = path.join(tmp, 'queue');
  const bundle = await buildServerBundle(root, path.join(tmp, 'server-bundle'));
  const server = startQueueServer(root, bundle, dir, cfg);
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const ready = await server.next('ready', 30_000);
    log(`renderer: queue with ${ready.jobs} downloading jobs at ${ready.url} …`);
    const page = await context.newPage();
    await page.goto(withHash(ready.url, 'queue'), { waitUntil: 'load', timeout: 30_000 });
    // the Jobs list is virtualized: every job is in the list (aria-setsize), only the rows in view are in the DOM
    await page
      .waitForFunction((n) => document.querySelector(`[role="list"][aria-label="Jobs"] [role="listitem"][aria-setsize="${n}"] [role="progressbar"]`) !== null, cfg.jobs, { timeout: 30_000 })
      .catch(() => {
        throw new RendererBenchError(`the Queue did not list ${cfg.jobs} jobs with progress bars within 30 s`);
      });
    const rowCount = await page.getByRole('list', { name: 'Jobs' }).getByRole('listitem').count();
    // every aria-valuenow change the page makes: proof the progress reaches the screen
    await page.evaluate(() => {
      window.__benchUpdates = 0;
      new MutationObserver((records) => {
        window.__benchUpdates += records.length;
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    const thread = await mainThread(context, page);
    log(`renderer: queue idle for ${cfg.idleSeconds} s, then ${cfg.queueSeconds} s of progress events …`);
    const { busy: idle } = await thread.during(() => page.waitForTimeout(cfg.idleSeconds * 1000));
    server.go();
    const { busy } = await thread.during(() => page.waitForTimeout(cfg.queueSeconds * 1000));
    const done = await server.next('done', 30_000);
    const updates = await page.evaluate(() => window.__benchUpdates);
    // each event moves its job by more than 1 %, so every event for a row in the DOM changes its aria-valuenow
    const expected = (done.emitted * rowCount) / ready.jobs;
    if (updates < expected * 0.5) {
      throw new RendererBenchError(`the Queue changed aria-valuenow ${updates} times where ${Math.round(expected)} were expected (${done.emitted} job.progress events, ${rowCount} of ${ready.jobs} rows in the DOM): the progress does not reach the screen`);
    }
    return { jobs: ready.jobs, rows: rowCount, idle, busy, emitted: done.emitted, perJobPerSec: done.perJobPerSec, updates };
  } finally {
    await context.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// report

const ms1 = (ms) => (ms === null || ms === undefined ? 'n/a' : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const ratio = (ours, target) => `×${(ours / target).toFixed(2)} of target`;
const verdict = (ok) => (ok ? 'target met' : 'target missed');
const others = (m) => (m?.othersMs == null ? 'n/a' : `${(m.othersMs / 1000).toFixed(1)} s CPU (${pct(m.othersShare)} of the machine), load ${m.load.toFixed(1)}`);

/** Summary rows for the top table of RESULTS.md (same columns as run.mjs's). */
export function rendererSummaryRows(r) {
  const g = r.gallery;
  const q = r.queue;
  return [
    `| Renderer: Gallery with ${r.cfg.items.toLocaleString('en')} items, data → first paint of cards (median of ${g.loads.length}) | ${ms1(g.paintAfterDataMs)} (${ratio(g.paintAfterDataMs, TARGETS.paintMs)}) | < ${TARGETS.paintMs} ms | ${verdict(g.paintAfterDataMs < TARGETS.paintMs)} |`,
    `| Renderer: Gallery scrolled top to bottom in ${r.cfg.scrollMs / 1000} s, 95th-percentile frame | ${ms1(g.p95)} (${ratio(g.p95, TARGETS.frameP95Ms)}) | < ${TARGETS.frameP95Ms} ms | ${verdict(g.p95 < TARGETS.frameP95Ms)} |`,
    `| Renderer: Queue with ${q.jobs} jobs emitting progress, main thread busy | ${pct(q.busy.share)} (${ratio(q.busy.share, TARGETS.busyShare)}) | < ${pct(TARGETS.busyShare)} | ${verdict(q.busy.share < TARGETS.busyShare)} |`,
  ];
}

/** The `## 4. Renderer` section. */
export function rendererSection(r, env) {
  const g = r.gallery;
  const q = r.queue;
  const L = [];
  L.push('## 4. Renderer', '');
  L.push(`- Date: ${env.date}; Chromium ${r.chromiumVersion} (${CHROMIUM}, headless, ${CHROMIUM_ARGS.join(' ')}), viewport ${VIEWPORT.width}×${VIEWPORT.height}`);
  L.push(`- Machine: nproc ${env.nproc} (${env.cpu}), ${env.memGiB} GiB RAM; Node ${env.node}; code git ${env.git}`);
  L.push('- Run alone: `npx electron-vite build && npm exec --offline -- node bench/run.mjs renderer` (replaces only this section and the renderer rows of the summary)');
  L.push(`- others = CPU time processes outside this benchmark (not Chromium, not its servers) used during the measurement, and the 1-min load average at its start: the machine is not reserved, and with ${env.nproc} CPUs a busy neighbour shows up directly in frame times and busy shares`, '');
  L.push('| Figure | Result | Target | Ratio | Verdict |', '|---|---|---|---|---|');
  L.push(`| Gallery: \`gallery:data\` → \`gallery:painted\` (median of ${g.loads.length} loads) | ${ms1(g.paintAfterDataMs)} | < ${TARGETS.paintMs} ms | ×${(g.paintAfterDataMs / TARGETS.paintMs).toFixed(2)} | ${verdict(g.paintAfterDataMs < TARGETS.paintMs)} |`);
  L.push(`| Gallery: scroll frame time p95 (${g.frames} frames) | ${ms1(g.p95)} | < ${TARGETS.frameP95Ms} ms | ×${(g.p95 / TARGETS.frameP95Ms).toFixed(2)} | ${verdict(g.p95 < TARGETS.frameP95Ms)} |`);
  L.push(`| Queue: main thread busy, ${q.jobs} jobs × ${q.perJobPerSec.toFixed(1)} progress events/s | ${pct(q.busy.share)} | < ${pct(TARGETS.busyShare)} | ×${(q.busy.share / TARGETS.busyShare).toFixed(2)} | ${verdict(q.busy.share < TARGETS.busyShare)} |`);
  L.push('');

  L.push('### Gallery', '');
  L.push(`${g.seeded.items.toLocaleString('en')} items built by \`lib/store-bench.mjs build\` (the same generator as the library-query benchmark), ${g.seeded.withThumbnail.toLocaleString('en')} of them with a thumbnail (one real ${(g.seeded.jpegBytes / 1024).toFixed(0)} kB 480×270 JPEG, hard-linked under each item's name); served by \`node out/main/cli.js serve\`; each load in a fresh browser context opening \`#gallery\`. Times are from the page's navigation start. Then the Library list's scroll box is moved from top to bottom in ${r.cfg.scrollMs / 1000} s, one step per animation frame, recording the interval between frames.`, '');
  L.push('| Load | data arrived | cards painted | paint − data | first contentful paint | frames | p50 | p95 | p99 | max | frames > 20 ms | main thread while scrolling: busy (wall) / CPU | pages / thumbnails fetched while scrolling | others while scrolling |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  g.loads.forEach((l, i) =>
    L.push(`| ${i + 1} | ${ms1(l.dataMs)} | ${ms1(l.paintedMs)} | **${ms1(l.paintAfterDataMs)}** | ${ms1(l.fcpMs)} | ${l.frames.length} | ${ms1(l.p50)} | **${ms1(l.p95)}** | ${ms1(l.p99)} | ${ms1(l.max)} | ${l.over20} | ${pct(l.busy.share)} / ${pct(l.busy.cpuShare)} | ${l.requestsDuring.pages} / ${l.requestsDuring.thumbnails} | ${others(l.busy.machine)} |`),
  );
  L.push(`| **all** | | ${ms1(g.paintedMs)} | **${ms1(g.paintAfterDataMs)}** | | ${g.frames} | ${ms1(g.p50)} | **${ms1(g.p95)}** | ${ms1(g.p99)} | ${ms1(g.max)} | | | | |`, '');
  const l0 = g.loads[0];
  const b0 = l0.busy;
  L.push(`Main thread while scrolling (load 1): ${ms1(b0.taskMs)} busy in ${ms1(b0.wallMs)} (${ms1(b0.cpuMs)} of it on a CPU), of which script ${ms1(b0.scriptMs)}, style ${ms1(b0.styleMs)}, layout ${ms1(b0.layoutMs)}; the rest is paint, compositing, image decoding and garbage collection. At this speed every frame shows a new screenful of cards (${Math.round(l0.scroll.startHeight / l0.frames.length).toLocaleString('en')} px per frame).`, '');
  L.push(`Scrolled box: \`${l0.scroll.scrolled}\`, ${l0.scroll.startHeight.toLocaleString('en')} px tall (${l0.scroll.cardsBefore} cards in the DOM before scrolling, ${l0.scroll.cardsAfter} after: the grid is virtualized); before scrolling the page had fetched ${l0.requestsBefore.pages} \`library.list\` page(s) and ${l0.requestsBefore.thumbnails} thumbnails.`, '');

  L.push('### Queue', '');
  L.push(`${q.jobs} jobs in one data folder, moved to \`downloading\` (the engine's scheduler is not started: it would cap running jobs at 10); the headless server from src/main/server runs in a child process (bundled from src/ with rolldown, like the other bench steps) and every job's progress goes through the engine's own ProgressCoalescer, so the WebSocket carries \`job.progress\` at the engine's real rate. The page shows \`#queue\`; its Jobs list is virtualized, so ${q.rows} of the ${q.jobs} rows are in the DOM (every event still goes through the store). Busy share = CDP \`Performance.getMetrics\` TaskDuration delta ÷ wall time, for the renderer's main thread.`, '');
  L.push('| Phase | Wall | Main thread busy (wall) | of which script | style | layout | Share (wall) | Main thread CPU | Share (CPU) | others |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, m] of [[`idle (${r.cfg.idleSeconds} s, no events)`, q.idle], [`${q.emitted} \`job.progress\` events (${(q.emitted / (q.busy.wallMs / 1000)).toFixed(0)}/s)`, q.busy]]) {
    L.push(`| ${label} | ${ms1(m.wallMs)} | ${ms1(m.taskMs)} | ${ms1(m.scriptMs)} | ${ms1(m.styleMs)} | ${ms1(m.layoutMs)} | **${pct(m.share)}** | ${ms1(m.cpuMs)} | ${pct(m.cpuShare)} | ${others(m.machine)} |`);
  }
  L.push('', 'Wall: how long tasks held the main thread (what delays input; held against the target). CPU: the thread\'s own CPU time in those tasks; the gap is time it waited for a CPU.');
  L.push('', `The page changed a progress bar's aria-valuenow ${q.updates} times during the run (checked: at least half of the events for the rows in the DOM must reach the screen).`, '');
  return L.join('\n');
}
