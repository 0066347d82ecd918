// Direct-download benchmark, step `direct` of bench/run.mjs (`node bench/run.mjs direct` runs only this one).
// A 1 GiB file of random bytes is served on 127.0.0.1 by a node:http server in a child process (this file run as
// `node bench/direct.mjs serve <file>`: Range, If-Range, ETag, Last-Modified, and a count of the body bytes it sent).
// In the same run, rotating the order each round: `curl -s -o`, `aria2c -x4 -s4`, and the engine's downloadFile
// (src/main/engine/net/download.ts, from the bench bundle) with one connection and with four. downloadFile runs in a
// child process of its own as well (`node bench/direct.mjs fetch <bundle dir>`), kept for the whole step as the
// engine's process is (warm), so the bench's own work (hashing each copy) never shares its heap or event loop.
// Then the resume figures: our download stopped once the server has sent half the file, by an abort (as pause and
// shutdown do) or by SIGKILL of its process (a crash), then resumed by a new call (after a kill, in a new process); the bytes sent twice are counted by
// the server and, on Linux, on the loopback interface (/proc/net/dev) against an uninterrupted download.
// Everything goes under os.tmpdir() and is deleted at the end.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { cpuSnapshot, median, othersCpuMs, run, which } from './lib/proc.mjs';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);
const MiB = 2 ** 20;
const CONNECTIONS = 4;
const ABORT_AT = 0.5;
/**
 * The memory a timed run writes its copy into. 'warm': pages freed a moment before (an untimed run of the same client
 * whose copy was deleted just before), as on any machine that keeps its free memory. 'cold': freed at least
 * COLD_PAUSE_MS before; a VM with free page reporting (virtio-balloon, here min_free_ms 0) has handed such pages back
 * to its host by then, and a page the run writes into the page cache may first cost a fault on the host (measured
 * on this VM: a 1 GiB file copy ran at ~3 GB/s into warm memory and ~400 MB/s after a pause of 0.5 s; see
 * stateText). Left to chance, which state a run got swung it by ×2, so both are measured on purpose.
 */
const STATES = ['warm', 'cold'];
const COLD_PAUSE_MS = 2_000;
/** A run during which other processes used more CPU than this is repeated (at most NOISY_RETRIES more times). */
const NOISY_MS = 500;
const NOISY_RETRIES = 2;

export class DirectBenchError extends Error {}

let workDir = null;
let server = null;
let fetcher = null;
let bundle = null;

/** Stops the file server and the downloader, deletes the scratch folder (also called on Ctrl-C). */
export function directCleanup() {
  for (const c of [server, fetcher]) if (c?.child.exitCode === null) c.child.kill('SIGKILL');
  server = null;
  fetcher = null;
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  workDir = null;
}

// ---------------------------------------------------------------------------------------------------------
// the file server (child process)

function serve(file) {
  const st = fs.statSync(file);
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const lastModified = st.mtime.toUTCString();
  // body bytes handed to the kernel (counted when their socket write completes, not when read from the file, so
  // that a response Node still holds, such as a pipelined one waiting for the answer before it, counts nothing)
  let sent = 0;
  let requests = 0;
  // `mark` message: one `reached` event once this many body bytes have been sent (the resume figures' stop)
  let mark = null;
  const srv = http.createServer((req, res) => {
    requests++;
    if (req.url !== '/file.bin') {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'Content-Type': 'video/mp4', 'Accept-Ranges': 'bytes', ETag: etag, 'Last-Modified': lastModified };
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (m && (!ifRange || ifRange === etag || ifRange === lastModified)) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(end, Number(m[2]));
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(status, headers);
    const body = fs.createReadStream(file, { start, end, highWaterMark: MiB });
    const written = (n) => {
      sent += n;
      if (mark !== null && sent >= mark) {
        mark = null;
        process.send({ event: 'reached', sent });
      }
    };
    body.on('data', (chunk) => {
      if (!res.write(chunk, (err) => err || written(chunk.length))) {
        body.pause();
        res.once('drain', () => body.resume());
      }
    });
    body.on('end', () => res.end());
    body.on('error', () => res.destroy());
    res.on('close', () => body.destroy());
  });
  srv.listen(0, '127.0.0.1', () => process.send({ ready: true, port: srv.address().port }));
  process.on('message', (msg) => {
    if (msg === 'stats') {
      const u = process.cpuUsage();
      process.send({ sent, requests, cpuMs: (u.user + u.system) / 1000 });
    }
    if (msg === 'reset') {
      sent = 0;
      requests = 0;
      process.send({ reset: true });
    }
    if (typeof msg === 'object' && 'mark' in msg) mark = msg.mark;
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------------------
// the downloader (child process): downloadFile from the bench bundle, one request at a time over IPC

function fetch(bundleDir) {
  const { downloadFile } = require(path.join(bundleDir, 'download.cjs'));
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let current = null;
  process.on('message', async (msg) => {
    // the resume figures' stop: an abort, as pause and shutdown do (a kill comes from the bench as SIGKILL)
    if (msg.abort) {
      current?.abort();
      return;
    }
    const { url, dir, connections } = msg;
    const ac = new AbortController();
    current = ac;
    const c0 = cpuMs();
    const t0 = performance.now();
    try {
      const res = await downloadFile({ url, dir, maxBytes: 2 ** 40, connections, signal: ac.signal });
      process.send({ wallMs: performance.now() - t0, cpuMs: cpuMs() - c0, res });
    } catch (err) {
      process.send({ error: { code: err?.code ?? 'ERR_UNKNOWN', message: err?.message ?? String(err) } });
    } finally {
      current = null;
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

/**
 * A child running this file in `mode`, answering one IPC message per message sent (`ask`); messages with an
 * `event` field are not answers: `next(event)` waits for the next one of that name.
 */
function startChild(mode, arg) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, mode, arg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const waiting = [];
    const listeners = new Map();
    child.on('message', (msg) => {
      if (msg.ready) {
        resolve({
          child,
          port: msg.port,
          ask: (cmd) =>
            new Promise((done) => {
              waiting.push(done);
              child.send(cmd);
            }),
          next: (event) => new Promise((done) => listeners.set(event, done)),
        });
      } else if (msg.event) {
        const done = listeners.get(msg.event);
        listeners.delete(msg.event);
        done?.(msg);
      } else {
        waiting.shift()?.(msg);
      }
    });
    child.once('exit', (code) => {
      reject(new DirectBenchError(`the ${mode} child process exited (${code}) before it was ready`));
      for (const done of waiting.splice(0)) done({ error: { code: 'ERR_UNKNOWN', message: `the ${mode} child process exited (${code})` } });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// measurements

async function makeFile(file, size) {
  const block = Buffer.alloc(16 * MiB);
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0; off < size; off += block.length) {
      const part = block.subarray(0, Math.min(block.length, size - off));
      crypto.randomFillSync(part);
      hash.update(part);
      fs.writeSync(fd, part);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

async function sha256File(file) {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 4 * MiB }), hash);
  return hash.digest('hex');
}

/**
 * The clients' order in round `rep`. A run leaves the machine in a state the next one inherits (here, on a VM,
 * the run right after aria2c's measurably paid ~1 s more system time per GiB, whoever it was), so with all four
 * clients the rounds follow a balanced Latin square (Williams design): over 4 rounds every client runs once right
 * after each other one. With fewer clients, a plain rotation.
 */
function roundOrder(names, rep) {
  const williams4 = [
    [0, 1, 3, 2],
    [1, 2, 0, 3],
    [2, 3, 1, 0],
    [3, 0, 2, 1],
  ];
  if (names.length === 4) return williams4[rep % 4].map((i) => names[i]);
  return names.map((_, i) => names[(i + rep) % names.length]);
}

/** downloadFile in the downloader child; wall and CPU of the call alone. */
async function ours(url, dir, connections) {
  const r = await fetcher.ask({ url, dir, connections });
  if (r.error) return { error: r.error };
  return { wallMs: r.wallMs, cpuMs: r.cpuMs, file: r.res.file, res: r.res };
}

/**
 * Our download, stopped once the server has sent `atBytes` of the body (its IPC message, then ours: the download
 * runs on for well under a millisecond's worth): `how` 'abort' through its AbortSignal, 'kill' by SIGKILL of the
 * downloader process, which is then replaced by a new one.
 */
async function oursStopped(url, dir, connections, atBytes, how) {
  server.child.send({ mark: atBytes });
  const reached = server.next('reached');
  const call = ours(url, dir, connections);
  if ((await Promise.race([reached.then(() => 'mark'), call.then(() => 'end')])) === 'end') {
    throw new DirectBenchError(`the download with ${connections} connection(s) ended before the server had sent ${ABORT_AT * 100} % of the file`);
  }
  if (how === 'kill') {
    const exited = new Promise((resolve) => fetcher.child.once('exit', resolve));
    fetcher.child.kill('SIGKILL');
    await exited;
    fetcher = await startChild('fetch', bundle);
    return;
  }
  fetcher.child.send({ abort: true });
  const stopped = await call;
  if (stopped.error?.code !== 'ERR_CANCELED') {
    throw new DirectBenchError(`the download with ${connections} connection(s) was to be aborted at ${ABORT_AT * 100} % but ${stopped.error ? `failed: ${stopped.error.code} ${stopped.error.message}` : 'finished first'}`);
  }
}

/** Bytes received on the loopback interface so far (Linux), else null. */
function loopbackBytes() {
  try {
    const line = fs.readFileSync('/proc/net/dev', 'utf8').split('\n').find((l) => l.trim().startsWith('lo:'));
    return line ? Number(line.trim().slice(3).trim().split(/\s+/)[0]) : null;
  } catch {
    return null;
  }
}

async function oursOrFail(url, dir, connections) {
  const r = await ours(url, dir, connections);
  if (r.error) throw new DirectBenchError(`downloadFile with ${connections} connection(s) failed: ${r.error.code} ${r.error.message}`);
  return r;
}

async function external(label, file, args, out) {
  const r = await run(file, args, { cwd: path.dirname(out) });
  if (r.code !== 0) throw new DirectBenchError(`${label} exited with ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { wallMs: r.wallMs, cpuMs: r.cpuMs, file: out };
}

/**
 * Our download stopped (`how`: 'abort' or 'kill') once the server has sent ABORT_AT of the file, then resumed by a
 * new call. `wireBaseline`: loopback bytes of an uninterrupted download with as many connections (median), or null.
 */
async function resumeFigure(url, dir, size, connections, sha, how, wireBaseline) {
  await server.ask('reset');
  const lo0 = loopbackBytes();
  await oursStopped(url, dir, connections, size * ABORT_AT, how);
  const first = await server.ask('stats');
  const second = await oursOrFail(url, dir, connections);
  const lo1 = loopbackBytes();
  const total = await server.ask('stats');
  if ((await sha256File(second.file)) !== sha) throw new DirectBenchError(`the resumed download (${connections} connection(s)) is not a copy of the served file`);
  fs.rmSync(second.file, { force: true });
  const wireExtra = lo0 === null || lo1 === null || wireBaseline === null ? null : lo1 - lo0 - wireBaseline;
  return {
    connections,
    how,
    wireExtra,
    wireExtraPct: wireExtra === null ? null : (wireExtra / size) * 100,
    keptPct: (second.res.resumedFrom / size) * 100,
    sentBeforeAbort: first.sent,
    kept: second.res.resumedFrom,
    refetched: total.sent - size,
    refetchedPct: ((total.sent - size) / size) * 100,
  };
}

/**
 * Runs the benchmark; returns the figures for directSection/directSummaryRows. `bundleDir` holds download.cjs
 * (lib/bundle.mjs). `quick`: a 256 MiB file and one round.
 */
export async function directBench({ bundleDir, quick, log }) {
  const size = quick ? 256 * MiB : 1024 * MiB;
  const reps = quick ? 1 : 4;
  const tools = { curl: which('curl'), aria2c: which('aria2c') };
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-bench-direct-'));
  const loadStart = os.loadavg()[0];
  try {
    const source = path.join(workDir, 'source.bin');
    log(`direct: writing a ${size / MiB} MiB file of random bytes …`);
    const sha = await makeFile(source, size);
    server = await startChild('serve', source);
    const url = `http://127.0.0.1:${server.port}/file.bin`;
    bundle = bundleDir;
    fetcher = await startChild('fetch', bundleDir);
    log(`direct: serving it at ${url} (child process ${server.child.pid}; downloadFile runs in child process ${fetcher.child.pid})`);

    const variants = {
      curl: tools.curl ? (dir) => external('curl', tools.curl, ['-s', '-S', '-f', '-o', path.join(dir, 'out.bin'), url], path.join(dir, 'out.bin')) : null,
      aria2c: tools.aria2c
        ? (dir) =>
            external(
              'aria2c',
              tools.aria2c,
              ['-x4', '-s4', '-q', '--console-log-level=error', '--summary-interval=0', '--allow-overwrite=true', '--auto-file-renaming=false', '-d', dir, '-o', 'out.bin', url],
              path.join(dir, 'out.bin'),
            )
        : null,
      ours1: (dir) => oursOrFail(url, dir, 1),
      [`ours${CONNECTIONS}`]: (dir) => oursOrFail(url, dir, CONNECTIONS),
    };
    const names = Object.keys(variants).filter((n) => variants[n]);
    const runs = Object.fromEntries(STATES.map((state) => [state, Object.fromEntries(names.map((n) => [n, []]))]));
    const measure = async (name, state) => {
      if (state === 'warm') {
        const pre = fs.mkdtempSync(path.join(workDir, `${name}-pre-`));
        await variants[name](pre);
        fs.rmSync(pre, { recursive: true, force: true });
      } else if (state === 'cold') {
        await new Promise((resolve) => setTimeout(resolve, COLD_PAUSE_MS));
      }
      const dir = fs.mkdtempSync(path.join(workDir, `${name}-`));
      const s0 = await server.ask('stats');
      const lo0 = loopbackBytes();
      const before = cpuSnapshot();
      const r = await variants[name](dir);
      const after = cpuSnapshot();
      const lo1 = loopbackBytes();
      const s1 = await server.ask('stats');
      const serverCpuMs = s1.cpuMs - s0.cpuMs;
      // the server and the downloader are this bench's own children, not yet reaped: their CPU time is not someone else's
      const others = othersCpuMs(before, after);
      const othersMs = others === null ? null : Math.max(0, others - serverCpuMs - (r.res ? r.cpuMs : 0));
      if (fs.statSync(r.file).size !== size || (await sha256File(r.file)) !== sha) throw new DirectBenchError(`${name}: ${r.file} is not a copy of the served file`);
      fs.rmSync(dir, { recursive: true, force: true });
      const mbps = size / 1e6 / (r.wallMs / 1000);
      log(`  ${mbps.toFixed(0)} MB/s (${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU; server ${(serverCpuMs / 1000).toFixed(2)} s CPU; other processes ${othersMs === null ? '?' : (othersMs / 1000).toFixed(2)} s CPU)`);
      return { wallMs: r.wallMs, cpuMs: r.cpuMs, serverCpuMs, othersMs, mbps, wireBytes: lo0 === null || lo1 === null ? null : lo1 - lo0 };
    };

    // one untimed pass: every client's first transfer pays for the kernel's first touch of socket and page-cache
    // memory, and ours also for V8's compilation (the engine's process does that once per session, not per file)
    for (const name of names) {
      log(`direct: warm-up, ${name} …`);
      await measure(name, null);
    }
    for (const state of STATES) {
      for (let rep = 0; rep < reps; rep++) {
        const order = roundOrder(names, rep);
        for (const name of order) {
          log(`direct: memory ${state}, round ${rep + 1}/${reps}, ${name} …`);
          // the machine is shared: a run other processes slowed down is done again, and the quietest attempt kept
          let best = await measure(name, state);
          let attempts = 1;
          while (best.othersMs !== null && best.othersMs > NOISY_MS && attempts <= NOISY_RETRIES) {
            log(`  other processes used ${(best.othersMs / 1000).toFixed(2)} s CPU meanwhile: again`);
            const again = await measure(name, state);
            attempts++;
            if (again.othersMs < best.othersMs) best = again;
          }
          runs[state][name].push({ ...best, attempts });
        }
      }
    }

    const resume = [];
    for (const connections of [1, CONNECTIONS]) {
      const timed = runs.warm[`ours${connections}`];
      const wireBaseline = timed.every((x) => x.wireBytes !== null) ? median(timed.map((x) => x.wireBytes)) : null;
      for (const how of ['abort', 'kill']) {
        log(`direct: resume after ${how === 'kill' ? 'a SIGKILL' : 'an abort'} at ${ABORT_AT * 100} %, ${connections} connection(s) …`);
        const dir = fs.mkdtempSync(path.join(workDir, `resume${connections}${how}-`));
        resume.push(await resumeFigure(url, dir, size, connections, sha, how, wireBaseline));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return {
      size,
      reps,
      runs,
      resume,
      versions: { curl: tools.curl ? firstLine(tools.curl, ['--version']) : null, aria2c: tools.aria2c ? firstLine(tools.aria2c, ['--version']) : null },
      url,
      load: [loadStart, os.loadavg()[0]],
      pageReporting: pageReporting(),
    };
  } finally {
    directCleanup();
  }
}

/** The largest TCP send + receive buffer the kernel allows (Linux), as text. */
function socketBuffers() {
  try {
    const max = (name) => Number(fs.readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
    return `${(max('tcp_wmem') / MiB).toFixed(0)} MiB (send) + ${(max('tcp_rmem') / MiB).toFixed(0)} MiB (receive) at most`;
  } catch {
    return 'several MiB';
  }
}

/** The VM's free page reporting (Linux, virtio-balloon), as text; null when this kernel has none. */
function pageReporting() {
  try {
    const dir = '/sys/module/page_reporting/parameters';
    const minFreeMs = fs.existsSync(path.join(dir, 'min_free_ms')) ? fs.readFileSync(path.join(dir, 'min_free_ms'), 'utf8').trim() : null;
    const order = fs.readFileSync(path.join(dir, 'page_reporting_order'), 'utf8').trim();
    return `free page reporting is on (page_reporting_order ${order}${minFreeMs === null ? '' : `, min_free_ms ${minFreeMs}`})`;
  } catch {
    return null;
  }
}

function firstLine(file, args) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n')[0].trim();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// report

const stopLabel = (how) => (how === 'kill' ? 'SIGKILL' : 'an abort');
const med = (r, state, name, key) => (r.runs[state][name]?.length ? median(r.runs[state][name].map((x) => x[key])) : null);
/** What the runs of `state` started from. */
function stateText(state, r) {
  if (state === 'warm') {
    return 'Each timed run right after an untimed run of the same client, whose copy was deleted just before: the timed copy goes into memory that was in use a moment ago, as on any machine that keeps its free memory. These are the figures the target is judged on.';
  }
  return `Each timed run after a ${COLD_PAUSE_MS / 1000} s pause. This VM hands memory freed that long ago back to its host${r.pageReporting ? ` (${r.pageReporting})` : ''}, so a page a run writes into the page cache may first cost the host a fault: large writes pay most, as the kernel takes large page-cache folios for them from exactly the blocks handed back (curl writes 4–16 KiB at a time; ClipHarbor writes page-aligned pieces of 60 KiB for that reason, see WRITE_PIECE in download.ts). Shown because this is what the VM does; a desktop does not.`;
}
const STATE_LABEL = { warm: 'memory warm', cold: `memory handed back to the host (${COLD_PAUSE_MS / 1000} s pause)` };
const mbps = (v) => (v === null ? 'n/a' : `${v.toFixed(0)} MB/s`);
const ratio = (a, b) => (a === null || b === null ? 'n/a' : `×${(a / b).toFixed(2)}`);

export function directSummaryRows(r) {
  const gib = `${r.size / 2 ** 30 >= 1 ? `${r.size / 2 ** 30} GiB` : `${r.size / MiB} MiB`}`;
  const rows = [];
  // the target is judged on warm memory (any machine that keeps its free memory); the other state is this VM's
  for (const state of STATES) {
    const o1 = med(r, state, 'ours1', 'mbps');
    const curl = med(r, state, 'curl', 'mbps');
    const target = state === 'warm';
    rows.push(
      curl === null
        ? `| Direct download ${gib} on 127.0.0.1, one connection, ${STATE_LABEL[state]}: ClipHarbor vs curl | ${mbps(o1)}; curl skipped: curl not installed | ${target ? '≥ curl' : '—'} | n/a |`
        : `| Direct download ${gib} on 127.0.0.1, one connection, ${STATE_LABEL[state]}: ClipHarbor vs \`curl -s -o\` (median of ${r.reps}) | ${mbps(o1)} vs ${mbps(curl)} (${ratio(o1, curl)}) | ${target ? '≥ curl' : '—'} | ${target ? (o1 >= curl ? 'target met' : 'target missed') : '(this VM, see §5)'} |`,
    );
  }
  for (const state of STATES) {
    const o4 = med(r, state, `ours${CONNECTIONS}`, 'mbps');
    const aria = med(r, state, 'aria2c', 'mbps');
    rows.push(
      aria === null
        ? `| Direct download ${gib}, ${CONNECTIONS} connections, ${STATE_LABEL[state]}: ClipHarbor vs aria2c | ${mbps(o4)}; skipped: aria2c not installed | — | (reference) |`
        : `| Direct download ${gib}, ${CONNECTIONS} connections, ${STATE_LABEL[state]}: ClipHarbor vs \`aria2c -x4 -s4\` | ${mbps(o4)} vs ${mbps(aria)} (${ratio(o4, aria)}) | — | (reference) |`,
    );
  }
  for (const s of r.resume) {
    const worst = Math.max(s.refetchedPct, s.wireExtraPct ?? -Infinity);
    rows.push(
      `| Direct download stopped by ${stopLabel(s.how)} half-way (${s.keptPct.toFixed(0)} % on disk) and resumed, ${s.connections} connection${s.connections > 1 ? 's' : ''}: bytes sent twice (server count; extra on the loopback interface) | ${s.refetchedPct.toFixed(2)} %; ${s.wireExtraPct === null ? 'n/a' : `${s.wireExtraPct.toFixed(2)} %`} of the file | < 1 % | ${worst < 1 ? 'target met' : 'target missed'} |`,
    );
  }
  return rows;
}

export function directSection(r, env) {
  const L = [];
  const gib = r.size / 2 ** 30 >= 1 ? `${r.size / 2 ** 30} GiB` : `${r.size / MiB} MiB`;
  L.push('## 5. Direct downloads', '');
  L.push(
    `One ${gib} file of random bytes served on 127.0.0.1 by a node:http server in a child process (Range, If-Range, ETag, Last-Modified; file in the page cache). Each client ran ${r.reps} time${r.reps > 1 ? 's' : ''}${r.reps === 4 && Object.keys(r.runs.warm).length === 4 ? ' in rounds ordered as a balanced Latin square (each client runs once right after each other one: a run changes the state the next one starts from)' : ', rotating the order each round'}, into a fresh folder under ${os.tmpdir()}; every copy was checked (size and SHA-256) and deleted. MB/s = 10⁶ bytes per second of wall time: curl and aria2c from spawn to exit (their whole process), ClipHarbor the \`downloadFile\` call (the engine's src/main/engine/net/download.ts, bundled by lib/bundle.mjs) in a Node process of its own that stays up for the whole step, as the engine's does. CPU: user+system time of the client (for ClipHarbor, of its process during the call, libuv's file-write threads included) and of the server during the same run. ${env.nproc} CPUs shared by server and client, so a loopback transfer is CPU-bound: these figures measure how much CPU each client needs per byte as much as anything else.`,
    '',
  );
  const names = [
    ['curl', '`curl -s -S -f -o`'],
    ['aria2c', '`aria2c -x4 -s4`'],
    ['ours1', 'ClipHarbor `downloadFile`, connections 1'],
    [`ours${CONNECTIONS}`, `ClipHarbor \`downloadFile\`, connections ${CONNECTIONS}`],
  ];
  for (const state of STATES) {
    const o1 = med(r, state, 'ours1', 'mbps');
    const o4 = med(r, state, `ours${CONNECTIONS}`, 'mbps');
    L.push(`**${STATE_LABEL[state][0].toUpperCase()}${STATE_LABEL[state].slice(1)}.** ${stateText(state, r)}`, '');
    L.push(`| Client | ${Array.from({ length: r.reps }, (_, i) => `Run ${i + 1}`).join(' | ')} | Median | Median CPU (client) | Median CPU (server) | ClipHarbor 1 conn ÷ this | ClipHarbor ${CONNECTIONS} conn ÷ this |`);
    L.push(`|---|${'---|'.repeat(r.reps)}---|---|---|---|---|`);
    for (const [name, label] of names) {
      if (!r.runs[state][name]) {
        L.push(`| ${label} | skipped: ${name} not installed${' |'.repeat(r.reps + 5)}`);
        continue;
      }
      const m = med(r, state, name, 'mbps');
      const cells = r.runs[state][name].map((x) => `${mbps(x.mbps)} (${(x.wallMs / 1000).toFixed(2)} s; others ${x.othersMs === null ? '?' : `${(x.othersMs / 1000).toFixed(2)} s`}${x.attempts > 1 ? `; best of ${x.attempts}` : ''})`);
      L.push(`| ${label} | ${cells.join(' | ')} | **${mbps(m)}** | ${(med(r, state, name, 'cpuMs') / 1000).toFixed(2)} s | ${(med(r, state, name, 'serverCpuMs') / 1000).toFixed(2)} s | ${ratio(o1, m)} | ${ratio(o4, m)} |`);
    }
    L.push('');
  }
  L.push(`(others = CPU time processes outside the bench used during that run, from /proc/stat minus the bench, its tools, its server and its downloader process: with ${env.nproc} CPUs, a second or so of it visibly slows a run down. A run with more than ${NOISY_MS / 1000} s of it was repeated, at most ${NOISY_RETRIES} more times, keeping the attempt with the least ("best of n"). Before the timed rounds, one untimed pass of every client. 1-minute load average ${r.load[0].toFixed(2)} at the start of this step, ${r.load[1].toFixed(2)} at its end.)`, '');
  L.push(
    `Resume: ClipHarbor's download stopped once the server had sent ${ABORT_AT * 100} % of the file (the server tells the bench, the bench tells the downloader: it runs on for well under a millisecond), either by an abort (AbortSignal, as pause or shutdown do) or by SIGKILL of its process (a crash: nothing gets to run), then a new \`downloadFile\` call on the same folder (after a kill, in a new process). Two counts of what was transferred twice: "sent twice" = body bytes the server handed to its sockets over both calls minus the file size (an upper bound: it includes what still sat in the server's socket buffers and never left); "extra on the wire" = bytes received on the loopback interface (/proc/net/dev) over both calls minus those of an uninterrupted download with as many connections (median of the timed runs with memory warm above), so protocol overhead cancels out.`,
    '',
  );
  L.push(
    `(On loopback the kernel grows each connection's socket buffers to ${socketBuffers()}, so that much per connection could be on its way when a download stops. ClipHarbor bounds it when the server can resume: it asks for windows, one ahead (1 MiB per connection of a segmented download, 4 MiB for a single stream; larger only on a far server); without a validator a single stream asks for the rest of the file in one request.)`,
    '',
  );
  L.push('| Connections | Stopped by | Kept on disk | Sent before the stop | Sent twice (server) | Extra on the wire (loopback) |', '|---|---|---|---|---|---|');
  for (const s of r.resume) {
    const wire = s.wireExtra === null ? 'n/a' : `**${(s.wireExtra / MiB).toFixed(2)} MiB = ${s.wireExtraPct.toFixed(2)} %**`;
    L.push(`| ${s.connections} | ${stopLabel(s.how)} | ${(s.kept / MiB).toFixed(1)} MiB (${s.keptPct.toFixed(1)} %) | ${(s.sentBeforeAbort / MiB).toFixed(1)} MiB | **${(s.refetched / MiB).toFixed(2)} MiB = ${s.refetchedPct.toFixed(2)} %** | ${wire} |`);
  }
  L.push('');
  if (r.versions.curl || r.versions.aria2c) L.push(`Tools: ${[r.versions.curl, r.versions.aria2c].filter(Boolean).join('; ')}.`, '');
  return L.join('\n');
}

if (process.argv[1] === SELF && process.argv[2] === 'serve') serve(process.argv[3]);
if (process.argv[1] === SELF && process.argv[2] === 'fetch') fetch(process.argv[3]);
