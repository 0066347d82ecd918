/**
 * Browser e2e support: Debian's Chromium driven by playwright-core, and the built headless server
 * (`node out/main/cli.js serve`) as a real child process on a temporary data and library folder.
 *
 * - Chromium is /usr/bin/chromium (apt); playwright never downloads a browser here.
 * - The server runs on the project's Node 22 (the system Node 20 cannot load better-sqlite3). It prints
 *   `ClipHarbor is running at <url>` once it listens; `startServe` waits for that line (bounded) and returns the URL.
 * - `stop()` sends SIGTERM and waits for the exit (SIGKILL after a grace period), so a restart on the same data
 *   folder finds the database unlocked. `stopAllServes()` is for afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CLI, cleanEnv, NODE, ROOT } from './run';

export { CLI, cleanEnv, NODE, ROOT };
export const RENDERER_INDEX = path.join(ROOT, 'out/renderer/index.html');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does this).`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** What the CLI prints once the server listens; the URL carries `?token=` when a token is set. */
export const READY_LINE = /ClipHarbor is running at (\S+)/;

export interface ServeOptions {
  data: string;
  dir: string;
  token?: string;
  /** Default 0: the server picks a free port and prints it. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the ready line; default 30 s. */
  timeoutMs?: number;
}

export interface ServeProcess {
  /** The URL exactly as printed (with `?token=…` when a token is set). */
  url: string;
  /** `http://127.0.0.1:<port>`, no path, no token. */
  origin: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves with how it ended. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ServeProcess>();

export function startServe(opts: ServeOptions): Promise<ServeProcess> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx electron-vite build\` (npm test builds first).`);
  const args = [CLI, 'serve', '--port', String(opts.port ?? 0), '--data', opts.data, '--dir', opts.dir];
  if (opts.token !== undefined) args.push('--token', opts.token);
  const child = spawn(NODE, args, { cwd: ROOT, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  const stop = (graceMs = 10_000) => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    })();
    return stopping.finally(() => live.delete(proc));
  };

  const proc: ServeProcess = { url: '', origin: '', child, stdout: () => stdout, stderr: () => stderr, stop };
  live.add(proc);

  return new Promise<ServeProcess>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      void stop(2000).then(() => reject(new Error(`clipharbor serve ${why}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`)));
    };
    const onData = () => {
      const m = READY_LINE.exec(stdout);
      if (!m?.[1]) return;
      cleanup();
      const printed = m[1];
      proc.url = printed;
      proc.origin = new URL(printed).origin;
      resolve(proc);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited before it was ready (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`printed no "ClipHarbor is running at <url>" line within ${opts.timeoutMs ?? 30_000} ms`), opts.timeoutMs ?? 30_000);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function stopAllServes(): Promise<void> {
  await Promise.allSettled([...live].map((p) => p.stop(5000)));
}

/** Pids of live processes (not this one) whose command line contains `needle`: children our servers left behind. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /\)\s+(\S)/.exec(fs.readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** SIGKILLs what our servers started under `root` (yt-dlp, ffmpeg) and is still alive, by pid. */
export function killLeftovers(root: string): void {
  for (const pid of processesMentioning(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Drops links on the page's app root the way a browser does for a link dragged from another window: dragenter,
 * dragover and drop, each carrying the same real DataTransfer. By default it carries text/uri-list and text/plain,
 * as a dragged link does; `types` picks fewer (a text selection carries only text/plain).
 */
export async function dropUrls(page: Page, urls: string[], types: Array<'text/uri-list' | 'text/plain'> = ['text/uri-list', 'text/plain'], target = '#root'): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ list, kinds }) => {
      // runs in the page; this project's Node typings have no DOM
      const { DataTransfer } = globalThis as unknown as { DataTransfer: new () => { setData(type: string, value: string): void } };
      const dt = new DataTransfer();
      if (kinds.includes('text/uri-list')) dt.setData('text/uri-list', list.join('\r\n'));
      if (kinds.includes('text/plain')) dt.setData('text/plain', list.join('\n'));
      return dt;
    },
    { list: urls, kinds: types },
  );
  const root = page.locator(target);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await root.dispatchEvent(type, { dataTransfer, bubbles: true, cancelable: true, composed: true });
  }
  await dataTransfer.dispose();
}

/** The progressbar's aria-valuenow as a number (NaN when absent: an indeterminate bar). */
export async function progressValue(bar: Locator): Promise<number> {
  const v = await bar.getAttribute('aria-valuenow', { timeout: 5000 });
  return v === null ? Number.NaN : Number(v);
}

/** Polls `read` until `ok` holds for its value; returns that value. Bounded; names `what` on timeout. */
/** The app's screens, as its navigation links name them. */
export type Screen = 'Queue' | 'Gallery' | 'Search' | 'Settings' | 'Stats';

/** A page in a fresh context (kept in `contexts` for afterEach to close); confirmations are answered yes, as a user would. */
export async function newPage(browser: Browser, contexts: BrowserContext[], timeoutMs = 30_000): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  page.on('dialog', (d) => void d.accept());
  return page;
}

/** Opens the app and waits until it has rendered its navigation. */
export async function openApp(page: Page, url: string, timeoutMs = 30_000): Promise<void> {
  const res = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  if (res?.status() !== 200) throw new Error(`${url} answered ${res?.status() ?? 'nothing'}, not 200`);
  await page.getByRole('link', { name: 'Queue', exact: true }).waitFor();
}

/** Follows a navigation link and waits until the app marks it as the current screen. */
export async function goTo(page: Page, screen: Screen, timeoutMs = 30_000): Promise<void> {
  const link = page.getByRole('link', { name: screen, exact: true });
  await link.click();
  await pollUntil(`the ${screen} screen`, () => link.getAttribute('aria-current'), (v) => v === 'page', timeoutMs);
}

export async function pollUntil<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function screenshotPath(screen: string, theme: string): string {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${screen}-${theme}.png`);
}

/** `POST /api/<method>` from the test process (no Origin header, like any non-browser client). Throws on an error envelope. */
export async function callApi<T = unknown>(origin: string, method: string, input: unknown = {}, token?: string): Promise<T> {
  const res = await fetch(`${origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { code: string; message: string } };
  if (!body.ok) throw new Error(`${method}: ${res.status} ${body.error?.code}: ${body.error?.message}`);
  return body.result as T;
}
