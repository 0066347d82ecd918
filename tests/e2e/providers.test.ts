/**
 * The provider chain and stock search in the real renderer: Chromium drives the built UI served by
 * `clipharbor serve`, whose engine talks to the fake Pexels, Pixabay, Apify and HuntAPI services (PROTOCOLS.md) and
 * downloads the files they point at from the loopback media server. yt-dlp is the real one, and fails on YouTube
 * as it does offline, so the YouTube link must land through the fallback chain.
 *
 * `npm test` builds first; run `npx electron-vite build` before running this file alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/shared/contract';
import { startApifyFake, type ApifyFake } from '../fakes/apify';
import { startHuntapiFake, type HuntapiFake } from '../fakes/huntapi';
import { PEXELS_KEY } from '../fakes/pexels';
import { PIXABAY_KEY } from '../fakes/pixabay';
import { startStockFakes, type StockFakes } from '../fakes/stock';
import {
  callApi,
  CLI,
  goTo,
  killLeftovers,
  launchBrowser,
  newPage as openPage,
  openApp,
  pollUntil,
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
let stock: StockFakes;
let apify: ApifyFake;
let hunt: HuntapiFake;
let root: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  for (const f of [CLI, RENDERER_INDEX]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`npx electron-vite build\` (npm test builds first).`);
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-e2e-providers-'));
  [browser, media] = await Promise.all([launchBrowser(), startMediaServer()]);
  // every stock video its own clip, so two picks are two different files (not content duplicates)
  stock = await startStockFakes({
    mediaBaseUrl: media.baseUrl,
    catalog: [
      { id: 7001, title: 'Ocean waves at dawn', tags: ['ocean', 'waves'], width: 1280, height: 720, duration: 5, user: { id: 11, name: 'Ana Ribeiro' }, clip: 1, sites: ['pexels'] },
      { id: 7002, title: 'Ocean cliffs from above', tags: ['ocean', 'aerial'], width: 1920, height: 1080, duration: 5, user: { id: 12, name: 'Kenji Mori' }, clip: 2, sites: ['pixabay'] },
      { id: 7003, title: 'Stormy ocean', tags: ['ocean', 'storm'], width: 1280, height: 720, duration: 5, user: { id: 13, name: 'Lea Brandt' }, clip: 3, sites: ['pexels'] },
    ],
  });
  apify = await startApifyFake({ fileUrl: media.url('/v/clip-4.mp4'), scenario: { outcome: 'FAILED' } });
  hunt = await startHuntapiFake({ fileUrl: media.url('/v/clip-5.mp4'), scenario: { pollsToFinish: 3 } });
}, 180_000);

afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
  await stopAllServes();
});

afterAll(async () => {
  await browser?.close();
  await stopAllServes();
  await Promise.allSettled([media?.close(), stock?.close(), apify?.close(), hunt?.close()]);
  if (root) {
    killLeftovers(root);
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
});

let dirCount = 0;
async function serve(): Promise<ServeProcess> {
  const base = path.join(root, `s${++dirCount}`);
  return startServe({
    data: path.join(base, 'data'),
    dir: path.join(base, 'lib'),
    env: {
      PEXELS_BASE_URL: stock.pexels.url,
      PIXABAY_BASE_URL: stock.pixabay.url,
      PEXELS_API_KEY: PEXELS_KEY,
      PIXABAY_API_KEY: PIXABAY_KEY,
      APIFY_BASE_URL: apify.url,
      APIFY_TOKEN: apify.token,
      HUNTAPI_BASE_URL: hunt.url,
      HUNTAPI_TOKEN: hunt.apiKey,
      HUNTAPI_POLL_INTERVAL_S: '0.05',
    },
  });
}

const newPage = (): Promise<Page> => openPage(browser, contexts, WAIT);
const go = (page: Page, screen: Screen): Promise<void> => goTo(page, screen, WAIT);

const jobsOf = async (srv: ServeProcess): Promise<Job[]> => (await callApi<{ jobs: Job[] }>(srv.origin, 'jobs.list', {})).jobs;

describe('stock search and the provider chain in the browser', () => {
  it('search → select two results → both land in the Gallery with their authors credited', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);
    await go(page, 'Search');

    await page.getByRole('combobox', { name: 'Theme' }).fill('ocean');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
    await expect.poll(() => results.count(), { timeout: WAIT }).toBe(3);
    const sourcesText = await page.getByRole('list', { name: 'Sources searched' }).innerText();
    expect(sourcesText).toMatch(/Pexels/);
    expect(sourcesText).toMatch(/Pixabay/);
    await page.screenshot({ path: screenshotPath('search', 'light'), fullPage: true });

    const first = results.filter({ hasText: 'Ana Ribeiro' });
    // Pixabay names people by their user name
    const second = results.filter({ hasText: 'Kenji_Mori' });
    await first.getByRole('checkbox').check();
    await second.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Download 2 selected' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Added 2/ }).count(), { timeout: WAIT }).toBe(1);

    const done = await pollUntil('both stock downloads to finish', () => jobsOf(srv), (jobs) => jobs.length === 2 && jobs.every((j) => j.state === 'completed' || j.state === 'failed'), 60_000, 250);
    expect(done.map((j) => [j.state, j.result])).toEqual([
      ['completed', 'downloaded'],
      ['completed', 'downloaded'],
    ]);

    await go(page, 'Gallery');
    const cards = page.getByRole('list', { name: 'Library' }).getByRole('listitem');
    await expect.poll(() => cards.count(), { timeout: WAIT }).toBe(2);
    for (const [title, creator, site] of [
      ['Ocean waves at dawn', 'Ana Ribeiro', 'Pexels'],
      ['Ocean, aerial', 'Kenji_Mori', 'Pixabay'],
    ] as const) {
      await cards.filter({ has: page.getByText(title) }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const credit = dialog.getByText(/Video by/);
      await expect.poll(() => credit.innerText(), { timeout: WAIT }).toBe(`Video by ${creator} on ${site}`);
      const link = credit.getByRole('link', { name: creator });
      expect(await link.getAttribute('href')).toMatch(/^https:\/\//);
      expect(await link.getAttribute('rel')).toContain('noopener');
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count(), { timeout: WAIT }).toBe(0);
    }
  });

  it('a YouTube link lands through the fallback chain, and its details show the failed and the successful attempts', async () => {
    const srv = await serve();
    const page = await newPage();
    await openApp(page, srv.url);
    const url = 'https://www.youtube.com/watch?v=e2eFallbck1';
    await page.getByRole('textbox', { name: 'Add URLs' }).fill(url);
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    const [job] = await pollUntil('the YouTube job to finish', () => jobsOf(srv), (jobs) => jobs.length === 1 && ['completed', 'failed'].includes(jobs[0]!.state), 60_000, 250);
    expect(job!.state).toBe('completed');
    expect(job!.source).toBe('youtube');

    const row = page.getByRole('list', { name: 'Jobs' }).getByRole('listitem').first();
    await row.click();
    const attempts = page.getByRole('region', { name: 'Job details' }).getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await expect.poll(() => attempts.count(), { timeout: WAIT }).toBe(3);
    const texts = (await attempts.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    expect(texts[0]).toMatch(/^yt-dlp .*ERR_/);
    expect(texts[1]).toMatch(/^Apify fallback .*ERR_PROVIDER_FAILED/);
    expect(texts[2]).toMatch(/^HuntAPI fallback .*Succeeded/);
    await page.screenshot({ path: screenshotPath('job-attempts', 'light'), fullPage: true });

    await go(page, 'Gallery');
    await expect.poll(() => page.getByRole('list', { name: 'Library' }).getByRole('listitem').count(), { timeout: WAIT }).toBe(1);

    await go(page, 'Stats');
    const health = page.getByRole('table', { name: /health/i });
    await health.waitFor();
    expect(await health.innerText()).toMatch(/Apify/);
  });
});
