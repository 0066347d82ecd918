/**
 * End-to-end tests of the built CLI (out/main/cli.js) with real processes: our Node 22, real yt-dlp, ffmpeg and
 * ffprobe, and the loopback media server from tests/support/media-server.ts.
 *
 * - `npm test` builds first; when running this file alone, run `npx electron-vite build` after changing src/.
 * - Every test gets its own temporary --data and --dir (under one mkdtemp root); nothing touches the user's folders.
 * - Every CLI run has a hard timeout (SIGKILL); afterEach kills CLI processes still running and any process whose
 *   command line names the test's temporary root (orphaned yt-dlp/ffmpeg after a simulated crash), then deletes it.
 * - The media server is closed in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, cleanEnv, NODE, ROOT, runTool, type RunResult } from '../support/run';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMediaServer, type MediaServer } from '../support/media-server';
import type { FinishedLine } from '../../src/main/cli/index';


interface CliProcess {
  child: ChildProcess;
  /** stdout received so far */
  stdout(): string;
  stderr(): string;
  done: Promise<RunResult>;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** written to stdin, which is then closed; without it stdin is /dev/null */
  input?: string;
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();

/** Starts the CLI with an argument array (never a shell). SIGKILL after timeoutMs. */
function startCli(args: string[], opts: RunOptions = {}): CliProcess {
  const t0 = performance.now();
  const child = spawn(NODE, [CLI, ...args], {
    cwd: ROOT,
    env: cleanEnv(opts.env),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

function cli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return startCli(args, opts).done;
}

interface JobJson {
  id: number;
  parentId: number | null;
  kind: 'single' | 'playlist';
  url: string;
  state: string;
  result: string | null;
}

/** Complete JSON lines only (a process killed mid-write may leave a partial last line). */
function jsonLines<T>(stdout: string): T[] {
  const complete = stdout.endsWith('\n') ? stdout : stdout.slice(0, stdout.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

// ------------------------------------------------------------------------------------------------
// temp dirs, files, processes
// ------------------------------------------------------------------------------------------------

interface Dirs {
  root: string;
  data: string;
  dir: string;
  /** ['--data', data, '--dir', dir] */
  args: string[];
}

const roots: string[] = [];

function makeDirs(): Dirs {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-cli-'));
  roots.push(root);
  const data = path.join(root, 'data');
  const dir = path.join(root, 'lib');
  return { root, data, dir, args: ['--data', data, '--dir', dir] };
}

/** Pids of live processes (not zombies) whose command line contains `needle`, other than this one. */
function processesMentioning(needle: string): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) out.push({ pid: Number(name), cmdline });
    } catch {
      // gone
    }
  }
  return out;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Media files in the library: every regular file outside `.staging` and `.thumbs`. */
function libraryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (d === dir && (e.name === '.staging' || e.name === '.thumbs')) continue;
        walk(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `.part` files under `<dir>/.staging/job-*` with their sizes. */
function stagingParts(dir: string): Array<{ file: string; size: number }> {
  const staging = path.join(dir, '.staging');
  const out: Array<{ file: string; size: number }> = [];
  let jobs: string[];
  try {
    jobs = fs.readdirSync(staging).filter((n) => /^job-\d+$/.test(n));
  } catch {
    return out;
  }
  for (const j of jobs) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(staging, j));
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/\.part$/.test(n)) continue;
      const file = path.join(staging, j, n);
      try {
        out.push({ file, size: fs.statSync(file).size });
      } catch {
        // renamed meanwhile
      }
    }
  }
  return out;
}

function stagingJobDirs(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, '.staging')).filter((n) => /^job-\d+$/.test(n));
  } catch {
    return [];
  }
}

/** Polls `cond` every `everyMs` until it is true; throws (naming `what`) after `timeoutMs`. */
async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Jobs in the data dir, via the CLI itself. */
async function listJobs(d: Dirs, extra: string[] = []): Promise<JobJson[]> {
  const r = await cli(['list', '--json', ...d.args, ...extra]);
  expect(r.code, `list failed: ${r.stderr}`).toBe(0);
  return jsonLines<JobJson>(r.stdout);
}

// ------------------------------------------------------------------------------------------------

let server: MediaServer;
const u = (p: string) => server.url(p);

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx electron-vite build\` (npm test builds first).`);
  expect(Number((await runTool(NODE, ['-p', 'process.versions.node'])).stdout.split('.')[0])).toBeGreaterThanOrEqual(22);
  server = await startMediaServer();
}, 180_000);

afterAll(async () => {
  await server?.close();
});

afterEach(async () => {
  for (const child of live) child.kill('SIGKILL');
  const deadline = Date.now() + 5000;
  while (live.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const root of roots.splice(0)) {
    // orphans of a simulated crash (yt-dlp, its ffmpeg) started by this test: they name the test's temp root
    for (const { pid } of processesMentioning(root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
});

describe('clipharbor get', () => {
  it('downloads three direct links, prints one JSON line each, and skips them as duplicates on a second run', async () => {
    const d = makeDirs();
    const urls = [u('/v/clip-1.mp4'), u('/v/clip-2.mp4'), u('/v/clip.webm')];
    const ids = ['clip-1', 'clip-2', 'clip'];
    const exts = ['mp4', 'mp4', 'webm'];

    const first = await cli(['get', '--json', ...d.args, ...urls]);
    expect(first.code, first.stderr).toBe(0);
    const lines = jsonLines<FinishedLine>(first.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.url).sort()).toEqual([...urls].sort());
    const byUrl = new Map(lines.map((l) => [l.url, l]));
    const jobIds = new Set<number>();
    for (const [i, url] of urls.entries()) {
      const l = byUrl.get(url)!;
      expect(Object.keys(l).sort()).toEqual(
        ['jobId', 'url', 'status', 'file', 'sha256', 'bytes', 'durationSec', 'width', 'height', 'provider', 'error'].sort(),
      );
      expect(Number.isInteger(l.jobId) && l.jobId > 0).toBe(true);
      jobIds.add(l.jobId);
      expect(l.status).toBe('completed');
      expect(l.error).toBeNull();
      // media files go to the direct downloader
      expect(l.provider).toBe('direct');
      const file = l.file!;
      expect(path.isAbsolute(file)).toBe(true);
      expect(path.dirname(file)).toBe(path.join(d.dir, '127.0.0.1', 'Unknown'));
      expect(path.basename(file).endsWith(`[${ids[i]}].${exts[i]}`)).toBe(true);
      expect(fs.existsSync(file)).toBe(true);
      expect(l.bytes).toBe(fs.statSync(file).size);
      expect(l.sha256).toBe(sha256(file));
      expect(l.durationSec).toBeGreaterThan(0);
      expect(typeof l.width).toBe('number');
      expect(typeof l.height).toBe('number');
      expect(l.width).toBeGreaterThan(0);
      expect(l.height).toBeGreaterThan(0);
    }
    expect(jobIds.size).toBe(3);
    expect(libraryFiles(d.dir)).toHaveLength(3);

    const second = await cli(['get', '--json', ...d.args, ...urls]);
    expect(second.code, second.stderr).toBe(0);
    const again = jsonLines<FinishedLine>(second.stdout);
    expect(again).toHaveLength(3);
    for (const l of again) {
      expect(l.status).toBe('skipped_duplicate');
      expect(l.error).toBeNull();
      expect(l.file).toBe(byUrl.get(l.url)!.file);
      expect(l.sha256).toBe(byUrl.get(l.url)!.sha256);
    }
    expect(libraryFiles(d.dir)).toHaveLength(3);
    expect(libraryFiles(d.dir)).toEqual(lines.map((l) => l.file!).sort());
  }, 40_000);

  it('exits 1 when any job fails, with the failure as a JSON line', async () => {
    const d = makeDirs();
    const ok = u('/v/clip-3.mp4');
    const bad = u('/bad/404.mp4');
    const r = await cli(['get', '--json', ...d.args, ok, bad]);
    expect(r.code, r.stderr).toBe(1);
    const lines = jsonLines<FinishedLine>(r.stdout);
    expect(lines).toHaveLength(2);
    const good = lines.find((l) => l.url === ok)!;
    const failed = lines.find((l) => l.url === bad)!;
    expect(good.status).toBe('completed');
    expect(fs.existsSync(good.file!)).toBe(true);
    expect(failed.status).toBe('failed');
    expect(failed.file).toBeNull();
    expect(failed.sha256).toBeNull();
    expect(failed.error?.code).toBe('ERR_UNAVAILABLE');
    expect(failed.error?.message.trim().length).toBeGreaterThan(0);
    expect(libraryFiles(d.dir)).toHaveLength(1);
  }, 40_000);

  it('reads links from --from FILE (blank lines and # comments skipped) and from stdin with -', async () => {
    const d = makeDirs();
    const list = path.join(d.root, 'links.txt');
    fs.writeFileSync(list, `# my links\n\n   \n${u('/v/clip-4.mp4')}\n  # indented comment\n\n${u('/v/clip-5.mp4')}\r\n\n`);
    const fromStdin = u('/v/clip-6.mp4');
    const r = await cli(['get', '--json', ...d.args, '--from', list, '-'], { input: `\n# from stdin\n${fromStdin}\n` });
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<FinishedLine>(r.stdout);
    expect(lines.map((l) => l.url).sort()).toEqual([u('/v/clip-4.mp4'), u('/v/clip-5.mp4'), fromStdin].sort());
    for (const l of lines) {
      expect(l.status).toBe('completed');
      expect(fs.existsSync(l.file!)).toBe(true);
    }
    const jobs = await listJobs(d);
    expect(jobs).toHaveLength(3);
  }, 40_000);
});

describe('clipharbor list', () => {
  it('lists jobs as JSON and by state; an empty data folder prints "No jobs."', async () => {
    const empty = makeDirs();
    const none = await cli(['list', ...empty.args]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.trim()).toBe('No jobs.');
    const noneJson = await cli(['list', '--json', ...empty.args]);
    expect(noneJson.code).toBe(0);
    expect(noneJson.stdout).toBe('');

    const d = makeDirs();
    const ok = u('/v/clip-2.mp4');
    const bad = u('/bad/404.mp4');
    const got = await cli(['get', '--json', ...d.args, ok, bad]);
    expect(got.code).toBe(1);

    const all = await listJobs(d);
    expect(all.map((j) => [j.url, j.state]).sort()).toEqual(
      [
        [ok, 'completed'],
        [bad, 'failed'],
      ].sort(),
    );
    const completed = await listJobs(d, ['--state', 'completed']);
    expect(completed.map((j) => j.url)).toEqual([ok]);
    const failed = await listJobs(d, ['--state', 'failed']);
    expect(failed.map((j) => j.url)).toEqual([bad]);

    const text = await cli(['list', ...d.args, '--state', 'completed']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/completed/);
    expect(text.stdout).not.toMatch(/failed/);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
  }, 40_000);
});

describe('bad input changes nothing', () => {
  const PWNED = '/tmp/pwned';

  /** Exit status, stderr, and proof nothing was queued or written. */
  async function expectRefused(args: string[], opts: { code?: number; stderr: RegExp; input?: string; dirs?: Dirs }) {
    const d = opts.dirs ?? makeDirs();
    const r = await cli(args.flatMap((a) => (a === '@DIRS' ? d.args : [a])), { input: opts.input, timeoutMs: 20_000 });
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(opts.code ?? 2);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(opts.stderr);
    expect(r.stderr).toMatch(/^clipharbor: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(r.stdout).toBe('');
    // nothing written into the library, nothing queued
    expect(libraryFiles(d.dir)).toEqual([]);
    expect(stagingJobDirs(d.dir)).toEqual([]);
    expect(await listJobs(d)).toEqual([]);
    return r;
  }

  beforeAll(() => fs.rmSync(PWNED, { force: true }));
  afterAll(() => fs.rmSync(PWNED, { force: true }));

  it.each([
    ['file:///etc/passwd', /Only http:\/\/ and https:\/\/.*file/],
    ['javascript:alert(1)', /Only http:\/\/ and https:\/\/.*javascript/],
    ['ftp://x', /Only http:\/\/ and https:\/\/.*ftp/],
    ['', /Empty link/],
    ['-o/tmp/x', /looks like a command-line option/],
    ['--exec=touch /tmp/pwned', /looks like a command-line option/],
  ])('refuses the link %j (after --) with exit 2', async (link, msg) => {
    await expectRefused(['get', '@DIRS', '--', link], { stderr: msg });
    expect(fs.existsSync(PWNED)).toBe(false);
  });

  it('refuses bare options that are not ClipHarbor options (--exec=…, -o…) and an empty argument', async () => {
    await expectRefused(['get', '@DIRS', '--exec=touch', PWNED], { stderr: /Unknown option '--exec'/ });
    await expectRefused(['get', '@DIRS', '--exec=touch /tmp/pwned'], { stderr: /Unknown option '--exec'/ });
    await expectRefused(['get', '@DIRS', `-o${path.join(os.tmpdir(), 'x')}`, u('/v/clip-1.mp4')], { stderr: /Unknown option '-o'/ });
    await expectRefused(['get', '@DIRS', ''], { stderr: /Empty link/ });
    expect(fs.existsSync(PWNED)).toBe(false);
  }, 30_000);

  it('refuses a --from file of 10 000 garbage lines quickly, counting them, and queues nothing', async () => {
    const d = makeDirs();
    const file = path.join(d.root, 'garbage.txt');
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(i % 3 === 0 ? `garbage line ${i}` : i % 3 === 1 ? `ftp://host/${i}` : `not-a-url-${i}`);
    fs.writeFileSync(file, lines.join('\n'));
    const r = await expectRefused(['get', '@DIRS', '--from', file], { stderr: /10000 of 10000/, dirs: d });
    expect(r.ms).toBeLessThan(10_000);
    // the error lists a few examples, not 10 000 lines
    expect(r.stderr.split('\n').length).toBeLessThan(20);
    expect(r.stderr).toMatch(/garbage\.txt line 1\b/);
  }, 30_000);

  it('refuses a 100 kB link without echoing it back', async () => {
    const r = await expectRefused(['get', '@DIRS', `http://x/${'a'.repeat(100_000)}`], { stderr: /100009 characters|longer than/ });
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('queues nothing when one valid link comes with one invalid (all or nothing)', async () => {
    const valid = u('/slow/999999/v/clip-1.mp4');
    await expectRefused(['get', '@DIRS', valid, 'ftp://x'], { stderr: /1 of 2 links are not valid; nothing was queued[\s\S]*argument 2/ });
    // and the valid one from a file plus an invalid one on stdin
    const d = makeDirs();
    const file = path.join(d.root, 'one.txt');
    fs.writeFileSync(file, `${valid}\n`);
    await expectRefused(['get', '@DIRS', '--from', file, '-'], { stderr: /1 of 2 links are not valid/, input: 'javascript:alert(1)\n', dirs: d });
    expect(server.hits('/slow/999999/')).toBe(0);
  }, 30_000);

  it('refuses an unknown command, --quality 9000p and --concurrency 0', async () => {
    const link = u('/slow/999998/v/clip-1.mp4');
    await expectRefused(['frobnicate', '@DIRS', link], { stderr: /Unknown command "frobnicate"/ });
    await expectRefused(['get', '@DIRS', '--quality', '9000p', link], { stderr: /--quality must be one of/ });
    await expectRefused(['get', '@DIRS', '--concurrency', '0', link], { stderr: /--concurrency must be a whole number from 1 to 10/ });
    expect(server.hits('/slow/999998/')).toBe(0);
  }, 30_000);

  it('exits 1 with an install hint when yt-dlp is missing, and queues nothing', async () => {
    const d = makeDirs();
    // a page needs yt-dlp (a media file would go to the direct downloader)
    const r = await cli(['get', ...d.args, u('/page/one.html')], { env: { YTDLP_PATH: '/nonexistent/yt-dlp' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/yt-dlp/);
    expect(r.stderr).toMatch(/not found/);
    expect(r.stderr).toMatch(/install/i);
    expect(r.stderr).toMatch(/YTDLP_PATH/);
    expect(await listJobs(d)).toEqual([]);
    expect(libraryFiles(d.dir)).toEqual([]);
    expect(server.hits('/page/')).toBe(0);
  });

  it('exits 1 when the library folder cannot be written, and queues nothing', async () => {
    const d = makeDirs();
    const lib = path.join(d.root, 'readonly-lib');
    fs.mkdirSync(lib);
    const isRoot = process.getuid?.() === 0;
    let mounted = false;
    try {
      if (isRoot) {
        const m = await runTool('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', lib]);
        expect(m.code, `mount failed: ${m.stderr}`).toBe(0);
        mounted = true;
      } else {
        fs.chmodSync(lib, 0o555);
      }
      const r = await cli(['get', '--data', d.data, '--dir', lib, u('/v/clip-1.mp4')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(lib);
      expect(r.stderr).toMatch(/library folder/i);
      expect(r.stderr).toMatch(/cannot write|can ?not be written|read-only|permission/i);
      // the real cause is named, not the ENOENT that Node's recursive mkdir reports on a read-only file system
      expect(r.stderr).not.toMatch(/ENOENT|no such file/);
      expect(r.stderr).toMatch(mounted ? /EROFS/ : /EACCES|EPERM/);
      expect(await listJobs({ ...d, dir: lib, args: ['--data', d.data, '--dir', lib] })).toEqual([]);
      expect(fs.readdirSync(lib)).toEqual([]);
    } finally {
      if (mounted) await runTool('umount', [lib]);
      else if (!isRoot) fs.chmodSync(lib, 0o755);
    }
  });
});

describe('data folder lock', () => {
  it('a second process on the same --data exits 1 naming the other ClipHarbor process', async () => {
    const d = makeDirs();
    const long = startCli(['get', '--json', ...d.args, u('/slow/100000/v/big.mp4')], { timeoutMs: 60_000 });
    await waitFor(
      'the first process to hold the database and download',
      () => fs.existsSync(path.join(d.data, 'clipharbor.sqlite')) && stagingParts(d.dir).length > 0,
      20_000,
    );
    const r = await cli(['list', '--data', d.data]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Another ClipHarbor process');
    expect(r.stderr).toContain(String(long.child.pid));
    const r2 = await cli(['get', ...d.args, u('/v/clip-1.mp4')]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('Another ClipHarbor process');

    // stop the first one (SIGTERM: it stops its yt-dlp and puts the job back in the queue), then the folder is free
    long.child.kill('SIGTERM');
    const first = await long.done;
    expect(first.code).toBe(143);
    const jobs = await listJobs(d);
    expect(jobs.map((j) => [j.url, j.state])).toEqual([[u('/slow/100000/v/big.mp4'), 'queued']]);
    await waitFor('no process working in the library', () => processesMentioning(d.dir).length === 0, 5000);
  }, 40_000);
});

describe('hostile input from the site', () => {
  it('stores a video with a hostile title under a safe file name inside the library', async () => {
    const d = makeDirs();
    const r = await cli(['get', '--json', ...d.args, u('/page/nasty.html')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<FinishedLine>(r.stdout);
    expect(lines).toHaveLength(1);
    const l = lines[0]!;
    expect(l.status).toBe('completed');
    const file = l.file!;
    expect(fs.existsSync(file)).toBe(true);
    const lib = path.resolve(d.dir);
    expect(path.resolve(file).startsWith(lib + path.sep)).toBe(true);
    const rel = path.relative(lib, path.resolve(file));
    expect(rel.split(path.sep)).not.toContain('..');
    expect(rel.split(path.sep).some((s) => s === '.' || s === '')).toBe(false);
    expect(/[\u0000-\u001f\u200e\u200f\u202a-\u202e]/u.test(rel)).toBe(false);
    const name = path.basename(file);
    expect(/[:*?"<>|\\]/.test(name)).toBe(false);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name.startsWith('.')).toBe(false);
    expect(libraryFiles(d.dir)).toEqual([file]);
  }, 40_000);
});

describe('playlists', () => {
  // Regression guard: yt-dlp 2023.03.04 returns a page's html5 embeds fully extracted, each with webpage_url = the
  // page itself; taking that as the child's link once gave every child the page URL, all three were dropped as
  // "already queued" (the parent), and the playlist completed with 0 children, exit 0 and nothing downloaded.
  it('expands a page with three videos into three completed jobs', async () => {
    const d = makeDirs();
    const r = await cli(['get', '--json', ...d.args, u('/page/many.html')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<FinishedLine>(r.stdout);
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l.status).toBe('completed');
      expect(fs.existsSync(l.file!)).toBe(true);
    }
    expect(new Set(lines.map((l) => l.sha256)).size).toBe(3);
    expect(new Set(lines.map((l) => l.jobId)).size).toBe(3);
    expect(libraryFiles(d.dir)).toHaveLength(3);
    const jobs = await listJobs(d);
    const parent = jobs.find((j) => j.kind === 'playlist')!;
    expect(parent.url).toBe(u('/page/many.html'));
    expect(jobs.filter((j) => j.parentId === parent.id)).toHaveLength(3);
  }, 40_000);
});

describe('crash recovery', () => {
  /**
   * Runs `get --json --concurrency 2` on `urls`, SIGKILLs the CLI (only the CLI: its yt-dlp children survive as
   * orphans, as after a real crash) once `ready` says so, then `resume`s and checks the library is exactly right.
   */
  async function crashThenResume(urls: string[], bigPath: string, ready: (stdout: string, parts: Array<{ size: number }>) => boolean, expectDoneBeforeCrash: 'none' | 'some') {
    const d = makeDirs();
    const first = startCli(['get', '--json', '--concurrency', '2', ...d.args, ...urls], { timeoutMs: 60_000 });
    let early: RunResult | null = null;
    void first.done.then((r) => (early = r));
    await waitFor('partial download data to kill the CLI on', () => {
      if (early) throw new Error(`the CLI ended before the crash: ${JSON.stringify(early)}`);
      return ready(first.stdout(), stagingParts(d.dir));
    }, 30_000, 100);
    const stdoutAtKill = first.stdout();
    expect(first.child.kill('SIGKILL')).toBe(true);
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const firstLines = jsonLines<FinishedLine>(killed.stdout);
    if (expectDoneBeforeCrash === 'none') expect(jsonLines<FinishedLine>(stdoutAtKill)).toEqual([]);
    else expect(firstLines.length).toBeGreaterThanOrEqual(1);
    for (const l of firstLines) expect(l.status).toBe('completed');

    const resumed = await cli(['resume', '--json', ...d.args], { timeoutMs: 60_000 });
    expect(resumed.code, `resume: ${resumed.stderr}`).toBe(0);
    const resumeLines = jsonLines<FinishedLine>(resumed.stdout);
    for (const l of resumeLines) expect(l.status, JSON.stringify(l)).toBe('completed');

    // every URL completed exactly once over both runs
    const all = [...firstLines, ...resumeLines];
    expect(all.map((l) => l.url).sort()).toEqual([...urls].sort());
    expect(new Set(all.map((l) => l.jobId)).size).toBe(urls.length);
    const jobs = await listJobs(d);
    expect(jobs).toHaveLength(urls.length);
    for (const j of jobs) expect([j.state, j.result]).toEqual(['completed', 'downloaded']);

    // the library: exactly one valid, distinct file per URL, as reported
    const files = libraryFiles(d.dir);
    expect(files).toHaveLength(urls.length);
    expect(files).toEqual(all.map((l) => l.file!).sort());
    const hashes = new Set<string>();
    for (const l of all) {
      const h = sha256(l.file!);
      expect(h).toBe(l.sha256);
      expect(fs.statSync(l.file!).size).toBe(l.bytes);
      hashes.add(h);
      const probe = await runTool('ffprobe', ['-v', 'error', l.file!]);
      expect(probe.code, `ffprobe ${l.file}: ${probe.stderr}`).toBe(0);
      expect(probe.stderr).toBe('');
    }
    expect(hashes.size).toBe(urls.length);
    expect(stagingJobDirs(d.dir)).toEqual([]);

    // no orphaned yt-dlp (or its ffmpeg) still working in this library
    const leftovers = processesMentioning(d.dir).filter((p) => /yt-dlp|ffmpeg/.test(p.cmdline));
    expect(leftovers.map((p) => p.cmdline)).toEqual([]);

    // the big download continued from its partial data rather than starting over
    const bigRanges = server.requests.filter((r) => r.path === bigPath && r.range).map((r) => r.range!);
    const starts = bigRanges.map((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? 0));
    expect(starts.some((s) => s > 0), `Range requests for ${bigPath}: ${JSON.stringify(bigRanges)}`).toBe(true);
  }

  it('SIGKILL after one job completed: resume finishes the rest from partial data, each exactly once', async () => {
    const big = '/slow/800000/v/big.mp4';
    const urls = [u(big), u('/slow/400000/v/clip-1.mp4'), u('/slow/300000/v/clip-2.mp4'), u('/slow/300000/v/clip-5.mp4')];
    await crashThenResume(
      urls,
      big,
      (stdout, parts) => jsonLines(stdout).length >= 1 && parts.some((p) => p.size > 100_000),
      'some',
    );
  }, 60_000);

  it('SIGKILL before any job completed: resume finishes all four', async () => {
    const big = '/slow/1000000/v/big.mp4';
    const urls = [u(big), u('/slow/50000/v/clip-1.mp4'), u('/slow/300001/v/clip-2.mp4'), u('/slow/300001/v/clip-5.mp4')];
    await crashThenResume(urls, big, (_stdout, parts) => parts.some((p) => p.size > 100_000), 'none');
  }, 60_000);
});

describe('Ctrl-C', () => {
  it('SIGINT stops get promptly with 130, leaves unfinished jobs queued, and resume finishes them', async () => {
    const d = makeDirs();
    const first = '/slow/200000/v/clip-2.mp4';
    const urls = [u(first), u('/slow/200000/v/clip-3.mp4'), u('/slow/200000/v/clip-4.mp4')];
    const run = startCli(['get', '--json', '--concurrency', '1', ...d.args, ...urls], { timeoutMs: 60_000 });
    await waitFor('a partial download', () => stagingParts(d.dir).some((p) => p.size > 50_000), 20_000);
    const t0 = performance.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    const stopMs = performance.now() - t0;
    expect(r.code, r.stderr).toBe(130);
    expect(stopMs).toBeLessThan(5000);
    expect(r.stderr).toMatch(/clipharbor resume/);
    const doneFirst = jsonLines<FinishedLine>(r.stdout);

    const jobs = await listJobs(d);
    expect(jobs).toHaveLength(3);
    const unfinished = jobs.filter((j) => j.state !== 'completed');
    expect(unfinished.length).toBeGreaterThanOrEqual(1);
    for (const j of unfinished) expect(j.state).toBe('queued');
    expect(processesMentioning(d.dir).filter((p) => /yt-dlp|ffmpeg/.test(p.cmdline))).toEqual([]);

    const resumed = await cli(['resume', '--json', ...d.args], { timeoutMs: 40_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const doneLater = jsonLines<FinishedLine>(resumed.stdout);
    const all = [...doneFirst, ...doneLater];
    expect(all.map((l) => l.url).sort()).toEqual([...urls].sort());
    for (const l of all) expect(l.status).toBe('completed');
    expect(libraryFiles(d.dir)).toHaveLength(3);
    expect(stagingJobDirs(d.dir)).toEqual([]);
    // the interrupted download kept its partial data and continued from it
    const ranges = server.requests.filter((q) => q.path === first && q.range).map((q) => Number(/^bytes=(\d+)-/.exec(q.range!)?.[1] ?? 0));
    expect(ranges.some((s) => s > 0)).toBe(true);
  }, 60_000);
});
