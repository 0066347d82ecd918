/**
 * End-to-end tests of the real renderer (out/renderer) in Debian's Chromium, served by the built headless server
 * (`node out/main/cli.js serve`), downloading from the loopback media server with real yt-dlp and ffmpeg.
 *
 * - `npm test` builds first; when running this file alone, run `npx electron-vite build` after changing src/.
 * - Every test starts its own server on its own temporary data and library folders (a second download of the same
 *   clip in one library would be skipped as a duplicate), under one mkdtemp root removed in afterAll.
 * - Elements are found by role and accessible name, so a control the tests cannot name is an accessibility bug.
 * - Screenshots of every screen in both themes go to test-results/screenshots/<screen>-<theme>.png (git-ignored).
 * - Every wait is bounded (≤ 30 s); afterAll closes the browser, stops every server (SIGTERM) and kills by pid
 *   anything they left under the temporary root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Job, Settings } from '../../src/shared/contract';
import { checkUrl } from '../../src/shared/url';
import {
  callApi,
  CLI,
  dropUrls,
  goTo,
  killLeftovers,
  launchBrowser,
  newPage as openPage,
  openApp,
  pollUntil,
  progressValue,
  RENDERER_INDEX,
  screenshotPath,
  startServe,
  stopAllServes,
  type Screen,
  type ServeProcess,
} from '../support/browser';
import { startMediaServer, type MediaServer } from '../support/media-server';

const WAIT = 30_000;

let browser: Browser;
let media: MediaServer;
let root: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  for (const f of [CLI, RENDERER_INDEX]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`npx electron-vite build\` (npm test builds first).`);
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-e2e-'));
  [browser, media] = await Promise.all([launchBrowser(), startMediaServer()]);
}, 180_000);

afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
  await stopAllServes();
});

afterAll(async () => {
  await browser?.close();
  await stopAllServes();
  await media?.close();
  if (root) {
    killLeftovers(root);
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
});

// ------------------------------------------------------------------------------------------------
// helpers

let dirCount = 0;
function makeDirs(): { data: string; dir: string } {
  const base = path.join(root, `s${++dirCount}`);
  return { data: path.join(base, 'data'), dir: path.join(base, 'lib') };
}

async function serve(opts: { token?: string; dirs?: { data: string; dir: string } } = {}): Promise<ServeProcess & { data: string; dir: string }> {
  const dirs = opts.dirs ?? makeDirs();
  const srv = await startServe({ ...dirs, token: opts.token });
  return Object.assign(srv, dirs);
}

const newPage = (): Promise<Page> => openPage(browser, contexts, WAIT);
const go = (page: Page, screen: Screen): Promise<void> => goTo(page, screen, WAIT);

const jobRows = (page: Page): Locator => page.getByRole('list', { name: 'Jobs' }).getByRole('listitem');
const libraryItems = (page: Page): Locator => page.getByRole('list', { name: 'Library' }).getByRole('listitem');

async function addUrls(page: Page, lines: string[]): Promise<void> {
  await page.getByRole('textbox', { name: 'Add URLs' }).fill(lines.join('\n'));
  await page.getByRole('button', { name: 'Add', exact: true }).click();
}

async function jobsOf(srv: ServeProcess, token?: string): Promise<Job[]> {
  return (await callApi<{ jobs: Job[] }>(srv.origin, 'jobs.list', {}, token)).jobs;
}

/** The title the row's controls are named after, read from its progress bar ("Progress of <title>"). */
async function rowTitle(row: Locator): Promise<string> {
  const snapshot = await row.getByRole('progressbar').ariaSnapshot();
  const name = /progressbar "Progress of (.+?)"/.exec(snapshot)?.[1];
  if (!name) throw new Error(`the job's progress bar is not named "Progress of <title>": ${snapshot}`);
  return name;
}

/** A row's text, for its state word and error sentence. */
const rowText = async (row: Locator): Promise<string> => (await row.innerText()).replace(/\s+/g, ' ');

async function waitRowState(row: Locator, state: RegExp, timeout = WAIT): Promise<string> {
  return pollUntil(`job row state ${state}`, () => rowText(row), (t) => state.test(t), timeout, 150);
}

/** Computed background colour of the page (body, or html when body is transparent) as [r, g, b]. */
async function pageBackground(page: Page): Promise<[number, number, number]> {
  const css = await page.evaluate(() => {
    const g = globalThis as unknown as { document: { body: object; documentElement: object }; getComputedStyle(e: object): { backgroundColor: string } };
    const body = g.getComputedStyle(g.document.body).backgroundColor;
    return /rgba\(\d+, \d+, \d+, 0\)|transparent/.test(body) ? g.getComputedStyle(g.document.documentElement).backgroundColor : body;
  });
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(css);
  if (!m) throw new Error(`unexpected background colour ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
const luminance = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

interface VideoState {
  readyState: number;
  duration: number;
  currentTime: number;
  error: number | null;
}
type VideoEl = VideoState & {
  error: { code: number } | null;
  addEventListener(type: string, fn: () => void, opts?: { once: boolean }): void;
};
const videoState = (video: Locator): Promise<VideoState> =>
  video.evaluate((el) => {
    const v = el as unknown as VideoEl;
    return { readyState: v.readyState, duration: v.duration, currentTime: v.currentTime, error: v.error ? v.error.code : null };
  });

/** Sets currentTime and resolves with the time reached once `seeked` fires (rejects after 20 s). */
const seekTo = (video: Locator, t: number): Promise<number> =>
  video.evaluate(
    (el, to) =>
      new Promise<number>((resolve, reject) => {
        const v = el as unknown as VideoEl;
        const timer = setTimeout(() => reject(new Error(`no seeked event within 20 s (readyState ${v.readyState})`)), 20_000);
        v.addEventListener('seeked', () => {
          clearTimeout(timer);
          resolve(v.currentTime);
        }, { once: true });
        v.currentTime = to;
      }),
    t,
  );

// ------------------------------------------------------------------------------------------------

describe('ClipHarbor in the browser (clipharbor serve + Chromium)', () => {
  it('a dropped link downloads with a moving progress bar, lands in the Gallery and plays with seeking', async () => {
    const srv = await serve();
    const page = await newPage();
    const mediaResponses: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/media/')) mediaResponses.push(r.status());
    });
    await openApp(page, srv.url);

    // ~4.6 MB at 500 kB/s: about 9 s of download, so the bar has time to move
    await dropUrls(page, [media.url('/slow/500000/v/big.mp4')]);
    await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(1);
    const row = jobRows(page).first();
    const bar = row.getByRole('progressbar');
    await bar.waitFor();
    const barName = await rowTitle(row);
    expect(barName.length).toBeGreaterThan(0);

    const seen: number[] = [];
    const text = await pollUntil(
      'the dropped job to complete',
      async () => {
        if ((await bar.count()) > 0) {
          const v = await progressValue(bar).catch(() => NaN);
          if (Number.isFinite(v) && v < 100 && !seen.includes(v)) seen.push(v);
        }
        return rowText(row);
      },
      (t) => /completed|failed|canceled/i.test(t),
      WAIT,
      100,
    );
    expect(text).toMatch(/completed/i);
    expect(seen.length, `aria-valuenow values seen below 100: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(2);
    expect(Math.max(...seen)).toBeGreaterThan(Math.min(...seen));
    const [job] = await jobsOf(srv);
    expect(job?.state).toBe('completed');
    expect(job?.url).toBe(media.url('/slow/500000/v/big.mp4'));

    await go(page, 'Gallery');
    await expect.poll(() => libraryItems(page).count(), { timeout: WAIT }).toBe(1);
    expect(job?.title).toBeTruthy();
    // the card is a listitem named by the title
    const item = page.getByRole('list', { name: 'Library' }).getByRole('listitem', { name: job!.title!, exact: true });
    await item.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const video = dialog.locator('video');
    const ready = await pollUntil('video readyState >= 2', () => videoState(video), (s) => s.readyState >= 2 || s.error !== null, WAIT);
    expect(ready.error).toBeNull();
    expect(ready.duration).toBeGreaterThan(10); // big.mp4 is 12 s
    const target = ready.duration * 0.75;
    const reached = await seekTo(video, target);
    expect(Math.abs(reached - target)).toBeLessThan(1);
    const after = await pollUntil('video readyState >= 2 after seeking', () => videoState(video), (s) => s.readyState >= 2, WAIT);
    expect(after.currentTime).toBeGreaterThan(ready.duration * 0.5);
    // the media route answers byte ranges (what lets the element seek without the whole file)
    expect(mediaResponses).toContain(206);
  }, 120_000);

  it('pauses a download (state paused, the bar stops) and resumes it from where it stopped to completion', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);
    await addUrls(page, [media.url('/slow/450000/v/big.mp4')]);
    await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(1);
    const row = jobRows(page).first();
    const bar = row.getByRole('progressbar');
    await pollUntil('the download to be under way', () => progressValue(bar).catch(() => NaN), (v) => v > 0 && v < 60, WAIT);
    const title = await rowTitle(row);

    const beforePause = await progressValue(bar);
    await row.getByRole('button', { name: `Pause ${title}` }).click();
    await waitRowState(row, /paused/i);
    await expect.poll(async () => (await jobsOf(srv))[0]?.state, { timeout: WAIT }).toBe('paused');
    // a paused job keeps showing how far it got, and that value stops moving
    const v1 = await progressValue(bar);
    expect(v1, `aria-valuenow of the paused job (it was ${beforePause} just before the click)`).toBeGreaterThanOrEqual(beforePause);
    await page.waitForTimeout(2000);
    const v2 = await progressValue(bar);
    expect(v2).toBe(v1);
    expect(await rowText(row)).toMatch(/paused/i);
    await expect(row.getByRole('button', { name: `Resume ${title}` }).isVisible()).resolves.toBe(true);

    const logged = media.requests.length;
    await row.getByRole('button', { name: `Resume ${title}` }).click();
    const text = await waitRowState(row, /completed|failed/i);
    expect(text).toMatch(/completed/i);
    // resumed from the partial file: after yt-dlp's look at the link, the download asks for the bytes it lacked
    const after = media.requests.slice(logged).filter((r) => r.path === '/slow/450000/v/big.mp4' && r.method === 'GET');
    expect(after.map((r) => r.range ?? 'none'), 'the resumed download sends Range').toContainEqual(expect.stringMatching(/^bytes=[1-9]\d*-\d*$/));
    const [job] = await jobsOf(srv);
    expect(job?.state).toBe('completed');
    const items = await callApi<{ total: number }>(srv.origin, 'library.list', {});
    expect(items.total).toBe(1);
  }, 120_000);

  it('cancels a download: state canceled and nothing in the library', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);
    await dropUrls(page, [media.url('/slow/200000/v/big.mp4')]);
    await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(1);
    const row = jobRows(page).first();
    const bar = row.getByRole('progressbar');
    await pollUntil('the download to be under way', () => progressValue(bar).catch(() => NaN), (v) => v > 0, WAIT);
    const title = await rowTitle(row);

    await row.getByRole('button', { name: `Cancel ${title}` }).click();
    await waitRowState(row, /cancel+ed/i);
    await expect.poll(async () => (await jobsOf(srv))[0]?.state, { timeout: WAIT }).toBe('canceled');
    // a canceled job stays canceled (no late completion) and leaves no library item
    await page.waitForTimeout(1500);
    expect(await rowText(row)).toMatch(/cancel+ed/i);
    expect((await callApi<{ total: number }>(srv.origin, 'library.list', {})).total).toBe(0);
    await go(page, 'Gallery');
    await page.getByRole('list', { name: 'Library' }).or(page.getByRole('status')).first().waitFor();
    expect(await libraryItems(page).count()).toBe(0);
  }, 90_000);

  it('shows why a dropped bad link failed, and refuses a line that is not a link without creating a job', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);
    // a link dropped as plain text (a selection dragged from a page carries no text/uri-list)
    await dropUrls(page, [media.url('/bad/404.mp4')], ['text/plain']);
    await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(1);
    const row = jobRows(page).first();
    const text = await waitRowState(row, /failed|completed/i);
    expect(text).toMatch(/failed/i);
    const [job] = await jobsOf(srv);
    expect(job?.state).toBe('failed');
    expect(job?.error?.message.length).toBeGreaterThan(10);
    // the row shows the engine's own sentence, not a code or a stack trace
    expect(text).toContain(job!.error!.message);

    const expected = checkUrl('not-a-link');
    expect(expected.ok).toBe(false);
    await addUrls(page, ['not-a-link']);
    const alert = page.getByRole('alert').filter({ hasText: 'not-a-link' });
    await alert.first().waitFor();
    expect(await alert.first().innerText()).toContain(!expected.ok ? expected.message : '');
    await page.waitForTimeout(500);
    expect(await jobRows(page).count()).toBe(1);
    expect((await jobsOf(srv)).length).toBe(1);
  }, 90_000);

  it('keeps settings changed in the UI across a server restart', async () => {
    const dirs = makeDirs();
    const first = await serve({ dirs });
    const page = await newPage();
    await openApp(page, first.url);
    await go(page, 'Settings');
    const before = await callApi<Settings>(first.origin, 'settings.get', {});
    const wanted = before.concurrency === 5 ? 4 : 5;
    const concurrency = page.getByRole('spinbutton', { name: /concurren|parallel|simultaneous/i });
    await concurrency.fill(String(wanted));
    await concurrency.press('Tab');
    // the radio follows the saved setting, so it turns checked once the server has it
    await page.getByRole('radio', { name: 'Dark' }).click();
    await expect.poll(() => page.getByRole('radio', { name: 'Dark' }).isChecked(), { timeout: WAIT }).toBe(true);
    await expect.poll(async () => {
      const s = await callApi<Settings>(first.origin, 'settings.get', {});
      return `${s.concurrency} ${s.theme}`;
    }, { timeout: WAIT }).toBe(`${wanted} dark`);

    const how = await first.stop();
    expect(how.code).toBe(0);
    const second = await serve({ dirs });
    await openApp(page, second.url);
    await go(page, 'Settings');
    await expect.poll(() => page.getByRole('spinbutton', { name: /concurren|parallel|simultaneous/i }).inputValue(), { timeout: WAIT }).toBe(String(wanted));
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Light' }).isChecked()).toBe(false);
    expect(luminance(await pageBackground(page))).toBeLessThan(100);
  }, 90_000);

  it('enforces the access token: 401 without it, the printed link logs in, foreign WebSocket origins are refused', async () => {
    const token = `e2e-${Math.random().toString(36).slice(2)}`;
    const srv = await serve({ token });
    expect(srv.url).toContain(`?token=${token}`);
    const origin = srv.origin;

    // without the token: the page, the API and the event socket are all closed
    expect((await fetch(`${origin}/`)).status).toBe(401);
    const api = await fetch(`${origin}/api/settings.get`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('ERR_UNAUTHORIZED');
    const wrong = await fetch(`${origin}/api/settings.get`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer nope' }, body: '{}' });
    expect(wrong.status).toBe(401);

    const page = await newPage();
    const bare = await page.goto(`${origin}/`, { timeout: WAIT });
    expect(bare?.status()).toBe(401);
    expect(await page.getByRole('link', { name: 'Queue' }).count()).toBe(0);

    // the printed link: the token becomes a cookie, the app loads and talks to the API and the event socket
    await openApp(page, srv.url);
    expect(new URL(page.url()).search).not.toContain(token);
    await go(page, 'Settings');
    const saved = await callApi<Settings>(origin, 'settings.get', {}, token);
    await expect.poll(() => page.getByRole('spinbutton', { name: /concurren|parallel|simultaneous/i }).inputValue(), { timeout: WAIT }).toBe(String(saved.concurrency));
    const next = saved.concurrency === 7 ? 6 : 7;
    await callApi(origin, 'settings.update', { concurrency: next }, token);
    // settings.changed reaches the page over its WebSocket
    await expect.poll(() => page.getByRole('spinbutton', { name: /concurren|parallel|simultaneous/i }).inputValue(), { timeout: WAIT }).toBe(String(next));

    const wsUrl = `${origin.replace(/^http/, 'ws')}/api/events`;
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, { headers, handshakeTimeout: 10_000 });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', (err) => reject(err));
      });
    expect(await upgrade({ Origin: origin, Authorization: `Bearer ${token}` })).toBe(101);
    expect(await upgrade({ Origin: 'http://evil.example', Authorization: `Bearer ${token}` })).toBe(403);
    expect(await upgrade({ Origin: origin })).toBe(401);

    // the same refusal in a real browser: a page on another port of this machine (same site, so the SameSite
    // cookie goes along) tries to open the event socket
    await page.goto(media.url('/page/one.html'), { timeout: WAIT });
    const foreign = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const { WebSocket: BrowserSocket } = globalThis as unknown as {
            WebSocket: new (u: string) => { onopen: (() => void) | null; onclose: (() => void) | null; close(): void };
          };
          const ws = new BrowserSocket(url);
          const timer = setTimeout(() => resolve('timeout'), 10_000);
          ws.onopen = () => {
            clearTimeout(timer);
            ws.close();
            resolve('open');
          };
          ws.onclose = () => {
            clearTimeout(timer);
            resolve('refused');
          };
        }),
      wsUrl,
    );
    expect(foreign).toBe('refused');
  }, 90_000);

  it('renders every screen in light and dark theme (screenshots saved as test artifacts)', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);

    // a queue with jobs in different states: two completed, one failed, one paused, one canceled
    const slowPaused = media.url('/slow/100000/v/big.mp4');
    const slowCanceled = media.url('/slow/40000/v/clip-4.mp4');
    await addUrls(page, [media.url('/v/clip-1.mp4'), media.url('/v/clip-2.mp4'), media.url('/bad/404.mp4'), slowPaused, slowCanceled]);
    await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(5);
    const byUrl = async (url: string) => (await jobsOf(srv)).find((j) => j.url === url)!;
    await pollUntil('the slow jobs to start', async () => [await byUrl(slowPaused), await byUrl(slowCanceled)], (js) => js.every((j) => j.state === 'downloading'), WAIT);
    await callApi(srv.origin, 'jobs.pause', { id: (await byUrl(slowPaused)).id });
    await callApi(srv.origin, 'jobs.cancel', { id: (await byUrl(slowCanceled)).id });
    await pollUntil(
      'every job to settle',
      () => jobsOf(srv),
      (js) => js.filter((j) => ['completed', 'failed', 'paused', 'canceled'].includes(j.state)).length === 5,
      WAIT,
    );
    const states = (await jobsOf(srv)).map((j) => j.state).sort();
    expect(states).toEqual(['canceled', 'completed', 'completed', 'failed', 'paused']);

    const backgrounds: Record<string, [number, number, number]> = {};
    for (const theme of ['light', 'dark'] as const) {
      await callApi(srv.origin, 'settings.update', { theme });
      await go(page, 'Settings');
      await expect.poll(() => page.getByRole('radio', { name: theme === 'light' ? 'Light' : 'Dark' }).isChecked(), { timeout: WAIT }).toBe(true);
      await page.waitForTimeout(300); // theme transition, if any
      backgrounds[theme] = await pageBackground(page);
      expect(await page.getByRole('radio', { name: 'System' }).count()).toBe(1);
      await page.screenshot({ path: screenshotPath('settings', theme), fullPage: true });

      await go(page, 'Queue');
      await expect.poll(() => jobRows(page).count(), { timeout: WAIT }).toBe(5);
      for (const state of [/completed/i, /failed/i, /paused/i, /cancel+ed/i]) {
        expect(await jobRows(page).filter({ hasText: state }).count(), `a ${state} row`).toBeGreaterThan(0);
      }
      expect(await page.getByRole('button', { name: 'Pause all' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Resume all' }).count()).toBe(1);
      await page.screenshot({ path: screenshotPath('queue', theme), fullPage: true });

      await go(page, 'Gallery');
      await expect.poll(() => libraryItems(page).count(), { timeout: WAIT }).toBe(2);
      expect(await page.getByRole('searchbox', { name: 'Search library' }).or(page.getByRole('textbox', { name: 'Search library' })).count()).toBe(1);
      await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
      await page.screenshot({ path: screenshotPath('gallery', theme), fullPage: true });

      await libraryItems(page).first().getByRole('button').first().focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const video = dialog.locator('video');
      const ready = await pollUntil('the player to be ready', () => videoState(video), (s) => s.readyState >= 3 || s.error !== null, WAIT);
      expect(ready.error).toBeNull();
      expect(await video.getAttribute('aria-label')).toBe(await libraryItems(page).first().getAttribute('aria-label'));
      await page.waitForTimeout(500); // let the controls' loading spinner fade
      await page.screenshot({ path: screenshotPath('player', theme) });
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count(), { timeout: WAIT }).toBe(0);

      await go(page, 'Stats');
      expect(await page.getByRole('button', { name: 'Export JSON' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Export CSV' }).count()).toBe(1);
      // the figures are the run's own: two completed, one failed
      await expect.poll(async () => (await page.getByRole('main').innerText()).replace(/\s+/g, ' '), { timeout: WAIT }).toMatch(/Completed 2 Failed 1/);
      await page.screenshot({ path: screenshotPath('stats', theme), fullPage: true });
    }

    // the themes really differ, and each is the one it claims to be
    expect(backgrounds.dark).not.toEqual(backgrounds.light);
    expect(luminance(backgrounds.light!)).toBeGreaterThan(luminance(backgrounds.dark!));
    for (const screen of ['queue', 'gallery', 'player', 'settings', 'stats']) {
      for (const theme of ['light', 'dark']) {
        const file = screenshotPath(screen, theme);
        expect(fs.statSync(file).size, file).toBeGreaterThan(5_000);
      }
    }

    // Stats exports really download a file
    await go(page, 'Stats');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), page.getByRole('button', { name: 'Export JSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.json$/);
  }, 180_000);
});
