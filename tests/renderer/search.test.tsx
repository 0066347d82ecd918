// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SearchResult } from '../../src/shared/contract';
import { PEXELS_KEY, PIXABAY_KEY, startStockFakes, type StockFakes } from '../fakes/stock';
import { makeEngine, stopAll } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { makeTestClient, renderApp, settleCalls } from './support';

let media: MediaServer;
let fakes: StockFakes;

beforeAll(async () => {
  media = await startMediaServer();
  fakes = await startStockFakes({ mediaBaseUrl: media.baseUrl });
});
afterAll(async () => {
  await fakes?.close();
  await media?.close();
});
beforeEach(() => history.replaceState(null, '', '#search'));
afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
  media.reset();
});

const LONG = { timeout: 30_000, interval: 50 };

/** The runner's environment without stock-site keys or addresses of its own: the tests say which are set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['PEXELS_API_KEY', 'PIXABAY_API_KEY', 'PEXELS_BASE_URL', 'PIXABAY_BASE_URL']) delete env[name];
  return env;
}

async function setup(keys: { pexels?: boolean; pixabay?: boolean } = { pexels: true, pixabay: true }) {
  const test = makeEngine({ env: cleanEnv(), overrides: { pexelsBaseUrl: fakes.pexels.url, pixabayBaseUrl: fakes.pixabay.url } });
  if (keys.pexels) await test.engine.call('secrets.set', { name: 'pexelsApiKey', value: PEXELS_KEY });
  if (keys.pixabay) await test.engine.call('secrets.set', { name: 'pixabayApiKey', value: PIXABAY_KEY });
  renderApp(makeTestClient(test.engine));
  return test;
}

const themeBox = () => screen.getByRole<HTMLInputElement>('combobox', { name: 'Theme' });

function search(theme: string): void {
  fireEvent.change(themeBox(), { target: { value: theme } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
}

const cards = () => within(screen.getByRole('list', { name: 'Search results' })).getAllByRole('listitem');
const sourceLine = (name: string) =>
  within(screen.getByRole('list', { name: 'Sources searched' }))
    .getAllByRole('listitem')
    .find((li) => li.textContent?.startsWith(`${name}:`));

describe('Search screen', () => {
  it('finds stock videos with their authors credited, and queues the chosen ones with the credit', async () => {
    const { engine } = await setup();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Search' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('heading', { name: 'Search' })).toBeTruthy();
    expect(screen.getByText('Find stock videos by theme')).toBeTruthy();

    search('ocean');
    await waitFor(() => expect(cards().length).toBeGreaterThan(2), LONG);
    // the engine's own answer for the same query (from its cache now)
    const answer = await engine.call('search.run', { theme: 'ocean' });
    expect(cards()).toHaveLength(answer.results.length);
    for (const source of ['pexels', 'pixabay'] as const) {
      const n = answer.results.filter((r) => r.source === source).length;
      expect(n).toBeGreaterThan(0);
      const line = sourceLine(source === 'pexels' ? 'Pexels' : 'Pixabay');
      expect(line?.textContent).toMatch(new RegExp(`^${source === 'pexels' ? 'Pexels' : 'Pixabay'}: ${n} results?`));
    }

    answer.results.forEach((result, i) => {
      const card = cards()[i]!;
      expect(card.textContent).toContain(result.title);
      expect(card.querySelector('img')?.getAttribute('src')).toBe(result.thumbnailUrl);
      if (result.width !== null && result.height !== null) expect(card.textContent).toContain(`${result.width}×${result.height}`);
      expect(card.textContent).toContain(`by ${result.creatorName} on ${result.source === 'pexels' ? 'Pexels' : 'Pixabay'}`);
      const credit = within(card).getByRole('link', { name: result.creatorName });
      expect(credit.getAttribute('href')).toBe(result.creatorUrl);
      expect(credit.getAttribute('target')).toBe('_blank');
      expect(credit.getAttribute('rel')).toBe('noopener noreferrer');
      expect(within(card).getByRole('link', { name: result.source === 'pexels' ? 'Pexels' : 'Pixabay' }).getAttribute('href')).toBe(result.pageUrl);
    });

    const download = () => screen.getByRole<HTMLButtonElement>('button', { name: /^Download \d+ selected$/ });
    expect(download().textContent).toBe('Download 0 selected');
    expect(download().disabled).toBe(true);

    // one from each site
    const pexels = answer.results.find((r) => r.source === 'pexels')!;
    const pixabay = answer.results.find((r) => r.source === 'pixabay' && r.fileUrl !== pexels.fileUrl)!;
    const chosen: SearchResult[] = [pexels, pixabay];
    for (const result of chosen) fireEvent.click(within(cards()[answer.results.indexOf(result)]!).getByRole('checkbox'));
    const all = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Select all' });
    expect(all.checked).toBe(false);
    expect(all.indeterminate).toBe(true);
    expect(download().textContent).toBe('Download 2 selected');

    fireEvent.click(download());
    await waitFor(() => expect(screen.getByText(/^Added 2 videos to the queue\./)).toBeTruthy());
    const { jobs } = await engine.call('jobs.list', {});
    expect(jobs.map((j) => j.url).sort()).toEqual(chosen.map((r) => r.fileUrl).sort());
    expect(download().textContent).toBe('Download 0 selected');

    // the jobs keep the credit the cards showed, for the library item they become
    for (const result of chosen) {
      const row = engine.jobs.require(jobs.find((j) => j.url === result.fileUrl)!.id);
      expect([row.attribution_name, row.attribution_url]).toEqual([result.creatorName, result.creatorUrl]);
    }

    fireEvent.click(screen.getByRole('link', { name: 'Open the Queue' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Queue' })).toBeTruthy());
  });

  it('selects and unselects every result at once', async () => {
    await setup();
    search('forest');
    await waitFor(() => expect(cards().length).toBeGreaterThan(1), LONG);
    const all = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Select all' });
    fireEvent.click(all);
    expect(cards().every((card) => within(card).getByRole<HTMLInputElement>('checkbox').checked)).toBe(true);
    expect(screen.getByRole('button', { name: `Download ${cards().length} selected` })).toBeTruthy();
    fireEvent.click(all);
    expect(cards().some((card) => within(card).getByRole<HTMLInputElement>('checkbox').checked)).toBe(false);
  });

  it('suggests earlier themes as the user types, with the keyboard, and offers popular ones', async () => {
    await setup();
    search('ocean');
    await waitFor(() => expect(cards().length).toBeGreaterThan(0), LONG);
    search('city');
    await waitFor(() => expect(sourceLine('Pexels')?.textContent).toBeTruthy(), LONG);
    await waitFor(() => expect(cards()[0]!.textContent).toMatch(/City street/), LONG);

    const popular = await screen.findByRole('list', { name: 'Popular themes' });
    await waitFor(() => expect(within(popular).getAllByRole('button').map((b) => b.textContent).sort()).toEqual(['city', 'ocean']));

    const box = themeBox();
    const listbox = screen.getByRole('listbox', { hidden: true });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    fireEvent.change(box, { target: { value: 'oc' } });
    await waitFor(() => expect(box.getAttribute('aria-expanded')).toBe('true'));
    expect(box.getAttribute('aria-controls')).toBe(listbox.id);
    const options = within(listbox).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['ocean']);
    expect(box.getAttribute('aria-activedescendant')).toBeNull();

    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0]!.id);
    expect(options[0]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(box.getAttribute('aria-expanded')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('ocean');
    expect(box.getAttribute('aria-expanded')).toBe('false');
    // Enter on a suggestion searches for it
    await waitFor(() => expect(cards()[0]!.textContent).toMatch(/ocean/i), LONG);

    fireEvent.click(within(popular).getByRole('button', { name: 'city' }));
    expect(box.value).toBe('city');
    await waitFor(() => expect(cards()[0]!.textContent).toMatch(/City street/), LONG);
  });

  it('says what each source needs when a key is missing, and still shows the other source’s videos', async () => {
    const { engine } = await setup({ pexels: true, pixabay: false });
    search('snow');
    await waitFor(() => expect(sourceLine('Pixabay')).toBeTruthy(), LONG);
    const status = (await engine.call('search.run', { theme: 'snow' })).sources.find((s) => s.source === 'pixabay')!;
    expect(status.ok).toBe(false);
    expect(status.error?.code).toBe('ERR_CREDENTIALS');
    const line = sourceLine('Pixabay')!;
    expect(line.textContent).toContain(`Pixabay: ${status.error!.message}`);
    expect(within(line).getByRole('link', { name: 'Open Settings' }).getAttribute('href')).toBe('#settings');
    expect(cards().length).toBeGreaterThan(0);
    expect(cards().every((card) => card.textContent?.includes('on Pexels'))).toBe(true);
  });

  it('explains an empty answer, a search no source could run, and a query the engine refuses', async () => {
    const { engine } = await setup({ pexels: false, pixabay: false });
    search('ocean');
    await screen.findByText('No source could be searched', {}, LONG);
    expect(sourceLine('Pexels')?.textContent).toMatch(/^Pexels: No Pexels API key/);
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();

    await engine.call('secrets.set', { name: 'pexelsApiKey', value: PEXELS_KEY });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Pixabay' }));
    search('volcano');
    await screen.findByText('No videos for “volcano”', {}, LONG);
    expect(sourceLine('Pexels')?.textContent).toMatch(/^Pexels: 0 results(, |$)/);
    expect(sourceLine('Pixabay')).toBeUndefined();

    fireEvent.change(screen.getByLabelText('Shortest (s)'), { target: { value: '30' } });
    fireEvent.change(screen.getByLabelText('Longest (s)'), { target: { value: '10' } });
    search('ocean');
    let refusal = '';
    try {
      await engine.call('search.run', { theme: 'ocean', sources: ['pexels'], minDurationSec: 30, maxDurationSec: 10 });
    } catch (err) {
      refusal = (err as Error).message;
    }
    expect(refusal).not.toBe('');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe(refusal));

    fireEvent.change(themeBox(), { target: { value: '  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(screen.getByRole('alert').textContent).toBe('Type a theme to search for, for example “ocean waves”.');
  });
});
