// @vitest-environment happy-dom
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/shared/contract';
import { formatDuration } from '../../src/shared/format';
import { Gallery } from '../../src/renderer/src/screens/Gallery';
import { download, makeEngine, stopAll, type TestEngine } from '../support/engine';
import { DEFAULT_MEDIA_DIR, startMediaServer, type MediaServer } from '../support/media-server';
import { makeTestClient, renderApp } from './support';

let server: MediaServer;

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  cleanup();
  await stopAll();
  server.reset();
});

const DAY = 86_400_000;

interface Seed {
  title: string;
  source?: string;
  uploader?: string;
  durationSec?: number;
  width?: number;
  height?: number;
  /** How long before now the item was added. */
  ageMs?: number;
  /** Which generated clip the row's file is (a hard link to it): clips differ in size. */
  clip?: number;
}

/**
 * Library rows for real files without downloading each one: every row's file is a hard link to a clip the media
 * server generated, inserted through the engine's own item store at a chosen "added" time.
 */
function makeSeededEngine(): { t: TestEngine; seed(rows: Seed[]): Item[] } {
  let now = Date.now();
  const t = makeEngine({ clock: () => now });
  return {
    t,
    seed(rows) {
      const base = Date.now();
      return rows.map((row, i) => {
        now = base - (row.ageMs ?? 0);
        const clip = path.join(DEFAULT_MEDIA_DIR, 'v', `clip-${row.clip ?? 1}.mp4`);
        const rel = `${row.source ?? 'example.com'}/seed-${i}-${crypto.randomUUID()}.mp4`;
        fs.mkdirSync(path.dirname(path.join(t.libraryDir, rel)), { recursive: true });
        fs.linkSync(clip, path.join(t.libraryDir, rel));
        const item = t.engine.items.insert(
          {
            jobId: null,
            url: `https://${row.source ?? 'example.com'}/watch/${i}`,
            canonicalUrl: `https://${row.source ?? 'example.com'}/watch/${i}`,
            source: row.source ?? 'example.com',
            extractor: 'seed',
            videoId: `${i}-${rel}`,
            formatProfile: 'best',
            title: row.title,
            uploader: row.uploader ?? null,
            uploadDate: null,
            path: rel,
            thumbnail: null,
            bytes: fs.statSync(clip).size,
            // unique per row, as the schema wants; these rows never meet the dedup checks
            sha256: crypto.createHash('sha256').update(rel).digest('hex'),
            contentHash: null,
            durationSec: row.durationSec ?? 10,
            width: row.width ?? 1280,
            height: row.height ?? 720,
            fps: 25,
            vcodec: 'h264',
            acodec: 'aac',
            bitrate: 1_000_000,
            attributionName: null,
            attributionUrl: null,
          },
          t.libraryDir,
        );
        now = Date.now();
        return item;
      });
    },
  };
}

function cardTitles(): string[] {
  return within(screen.getByRole('list', { name: 'Library' }))
    .queryAllByRole('listitem')
    .map((el) => el.getAttribute('aria-label') ?? '');
}

async function expectCards(titles: string[]): Promise<void> {
  await waitFor(() => expect(cardTitles().sort()).toEqual([...titles].sort()));
}

function select(label: string, optionText: string): void {
  const el = screen.getByLabelText<HTMLSelectElement>(label);
  const option = within(el).getByRole<HTMLOptionElement>('option', { name: optionText });
  fireEvent.change(el, { target: { value: option.value } });
}

describe('Gallery', () => {
  it('lists real downloads by title with thumbnail, duration, resolution and source, and marks data and paint', async () => {
    const { engine } = makeEngine();
    const [one, two] = await download(engine, [server.url('/v/clip-1.mp4'), server.url('/v/clip-2.mp4')]);
    const [audio] = await download(engine, [server.url('/v/clip-3.mp4')], { quality: 'audio' });
    const items = await Promise.all([one, two, audio].map((j) => engine.call('library.get', { id: j!.itemId! })));
    performance.clearMarks();

    const client = makeTestClient(engine);
    renderApp(client, <Gallery />);

    expect(screen.getByRole('heading', { name: 'Gallery' })).toBeTruthy();
    await expectCards(items.map((i) => i.title));
    expect(screen.getByRole('status').textContent).toBe('3 videos');

    const video = items[0]!;
    const card = screen.getByRole('listitem', { name: video.title });
    expect(card.querySelector('img')?.getAttribute('src')).toBe(client.mediaUrl(video.id, 'thumbnail'));
    expect(card.querySelector('img')?.getAttribute('alt')).toBe('');
    expect(card.textContent).toContain(formatDuration(video.durationSec));
    expect(card.textContent).toContain(`${video.height}p`);
    expect(card.textContent).toContain(video.source);

    const audioCard = screen.getByRole('listitem', { name: items[2]!.title });
    expect(audioCard.querySelector('img')).toBeNull();
    expect(audioCard.textContent).toContain('audio');

    await waitFor(() => expect(performance.getEntriesByName('gallery:painted')).toHaveLength(1));
    const [data] = performance.getEntriesByName('gallery:data');
    const [painted] = performance.getEntriesByName('gallery:painted');
    expect(data!.startTime).toBeLessThanOrEqual(painted!.startTime);
  });

  it('opens a card in a player with the media URL, facts and source link; closes with Close and Escape', async () => {
    const { engine } = makeEngine();
    const [job] = await download(engine, [server.url('/v/clip-2.mp4')]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    const client = makeTestClient(engine);
    renderApp(client, <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: item.title })).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: item.title });
    const video = dialog.querySelector('video')!;
    expect(video.getAttribute('src')).toBe(client.mediaUrl(item.id, 'media'));
    expect(video.getAttribute('aria-label')).toBe(item.title);
    expect(video.hasAttribute('controls')).toBe(true);
    const link = within(dialog).getByRole<HTMLAnchorElement>('link', { name: `Open on ${item.source}` });
    expect(link.getAttribute('href')).toBe(item.url);
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener noreferrer');
    expect(dialog.textContent).toContain(`${item.width}×${item.height}`);
    expect(dialog.textContent).toContain('h264 + aac');
    // the CLI-hosted engine cannot reveal files
    expect(within(dialog).queryByRole('button', { name: 'Show in folder' })).toBeNull();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(within(screen.getByRole('listitem', { name: item.title })).getByRole('button'));
    // a browser turns Escape on a modal dialog into a cancel event; happy-dom does not, so the test sends it
    fireEvent(screen.getByRole('dialog'), new Event('cancel', { cancelable: true }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('renders only a window of a 1 000-item library and loads further pages while scrolling and with End', async () => {
    const { t, seed } = makeSeededEngine();
    const titles = Array.from({ length: 1000 }, (_, i) => `Item ${String(i + 1).padStart(4, '0')}`);
    // oldest first in, so the default "newest" order shows Item 1000 first
    seed(titles.map((title, i) => ({ title, ageMs: (1000 - i) * 1000 })));
    renderApp(makeTestClient(t.engine), <Gallery />);

    await screen.findByRole('listitem', { name: 'Item 1000' });
    expect(screen.getByRole('status').textContent?.replace(/\s/g, ' ')).toBe('1 000 videos');
    const rendered = cardTitles();
    expect(rendered.length).toBeGreaterThan(4);
    expect(rendered.length).toBeLessThan(100);
    expect(screen.queryByRole('listitem', { name: 'Item 0500' })).toBeNull();
    const first = screen.getByRole('listitem', { name: 'Item 1000' });
    expect(first.getAttribute('aria-setsize')).toBe('1000');

    // scroll to the middle: the cards there come from a later page of 200
    const list = screen.getByRole('list', { name: 'Library' });
    const scroller = list.parentElement!;
    scroller.scrollTop = parseFloat(list.style.height) / 2;
    fireEvent.scroll(scroller);
    await screen.findByRole('listitem', { name: 'Item 0500' });
    expect(screen.queryByRole('listitem', { name: 'Item 1000' })).toBeNull();
    expect(cardTitles().length).toBeLessThan(100);

    // End moves focus to the last card, which is on the last page
    fireEvent.keyDown(within(screen.getByRole('listitem', { name: 'Item 0500' })).getByRole('button'), { key: 'End' });
    await waitFor(() => expect(document.activeElement?.closest('[role="listitem"]')?.getAttribute('aria-label')).toBe('Item 0001'));
    expect(cardTitles().length).toBeLessThan(100);
  });

  it('moves between cards with the arrow keys', async () => {
    const { t, seed } = makeSeededEngine();
    seed(['A', 'B', 'C', 'D', 'E', 'F'].map((title, i) => ({ title: `Card ${title}`, ageMs: (6 - i) * 1000 })));
    renderApp(makeTestClient(t.engine), <Gallery />);
    await expectCards(['Card A', 'Card B', 'Card C', 'Card D', 'Card E', 'Card F']);

    const buttonOf = (title: string) => within(screen.getByRole('listitem', { name: title })).getByRole('button');
    // one tab stop for the whole grid
    expect(screen.getAllByRole('button').filter((b) => b.closest('[role="listitem"]') && b.tabIndex === 0)).toHaveLength(1);
    buttonOf('Card F').focus();
    fireEvent.keyDown(buttonOf('Card F'), { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement).toBe(buttonOf('Card E')));
    fireEvent.keyDown(buttonOf('Card E'), { key: 'ArrowLeft' });
    await waitFor(() => expect(document.activeElement).toBe(buttonOf('Card F')));
    fireEvent.keyDown(buttonOf('Card F'), { key: 'End' });
    await waitFor(() => expect(document.activeElement).toBe(buttonOf('Card A')));
    expect(buttonOf('Card A').tabIndex).toBe(0);
    expect(buttonOf('Card F').tabIndex).toBe(-1);
  });

  it('narrows the results by search, source, date added, duration and resolution, and sorts them', async () => {
    const { t, seed } = makeSeededEngine();
    seed([
      { title: 'Sunset over the harbor', uploader: 'Ana', source: 'youtube', durationSec: 45, width: 1920, height: 1080, clip: 1 },
      { title: 'Mountain timelapse', uploader: 'Ben', source: 'vimeo', durationSec: 300, width: 3840, height: 2160, ageMs: 3 * DAY, clip: 2 },
      { title: 'City at night', uploader: 'Chen', source: 'youtube', durationSec: 1200, width: 1280, height: 720, ageMs: 20 * DAY, clip: 3 },
      { title: 'Cooking pasta', uploader: 'Sunny Kitchen', source: 'tiktok', durationSec: 30, width: 854, height: 480, ageMs: 200 * DAY, clip: 4 },
      { title: 'Old lecture', uploader: 'Dana', source: 'youtube', durationSec: 3600, width: 640, height: 360, ageMs: 400 * DAY, clip: 5 },
    ]);
    renderApp(makeTestClient(t.engine), <Gallery />);
    const all = ['Sunset over the harbor', 'Mountain timelapse', 'City at night', 'Cooking pasta', 'Old lecture'];
    await expectCards(all);

    const search = screen.getByRole('searchbox', { name: 'Search library' });
    expect(search.getAttribute('data-shortcut')).toBe('search');
    // title and uploader
    fireEvent.change(search, { target: { value: 'sun' } });
    await expectCards(['Sunset over the harbor', 'Cooking pasta']);
    // source
    fireEvent.change(search, { target: { value: 'vimeo' } });
    await expectCards(['Mountain timelapse']);
    fireEvent.change(search, { target: { value: '' } });
    await expectCards(all);

    await waitFor(() => within(screen.getByLabelText('Source')).getByRole('option', { name: 'youtube (3)' }));
    select('Source', 'youtube (3)');
    await expectCards(['Sunset over the harbor', 'City at night', 'Old lecture']);
    select('Source', 'All sources');
    await expectCards(all);

    select('Date added', 'Today');
    await expectCards(['Sunset over the harbor']);
    select('Date added', 'Last 7 days');
    await expectCards(['Sunset over the harbor', 'Mountain timelapse']);
    select('Date added', 'Last 30 days');
    await expectCards(['Sunset over the harbor', 'Mountain timelapse', 'City at night']);
    select('Date added', 'Last year');
    await expectCards(['Sunset over the harbor', 'Mountain timelapse', 'City at night', 'Cooking pasta']);
    select('Date added', 'Any time');

    select('Duration', 'Under 1 min');
    await expectCards(['Sunset over the harbor', 'Cooking pasta']);
    select('Duration', '1–10 min');
    await expectCards(['Mountain timelapse']);
    select('Duration', 'Over 10 min');
    await expectCards(['City at night', 'Old lecture']);
    select('Duration', 'Any length');

    select('Resolution', '720p and up');
    await expectCards(['Sunset over the harbor', 'Mountain timelapse', 'City at night']);
    select('Resolution', '1080p and up');
    await expectCards(['Sunset over the harbor', 'Mountain timelapse']);
    select('Resolution', '2160p and up');
    await expectCards(['Mountain timelapse']);
    select('Resolution', 'Any resolution');
    await expectCards(all);

    // cards are positioned absolutely in DOM order, which is the list order
    select('Sort', 'Title');
    await waitFor(() => expect(cardTitles()).toEqual(['City at night', 'Cooking pasta', 'Mountain timelapse', 'Old lecture', 'Sunset over the harbor']));
    select('Sort', 'Longest first');
    await waitFor(() => expect(cardTitles()).toEqual(['Old lecture', 'City at night', 'Mountain timelapse', 'Sunset over the harbor', 'Cooking pasta']));
    select('Sort', 'Oldest first');
    await waitFor(() => expect(cardTitles()).toEqual([...all].reverse()));
    select('Sort', 'Largest first');
    const bySize = await t.engine.call('library.list', { sort: 'size' });
    await waitFor(() => expect(cardTitles()).toEqual(bySize.items.map((i) => i.title)));

    fireEvent.change(search, { target: { value: 'nothing like this' } });
    await screen.findByText('No videos match these filters.');
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await expectCards(all);
    expect((search as HTMLInputElement).value).toBe('');
  });

  it('says so when the library is empty', async () => {
    const { engine } = makeEngine();
    renderApp(makeTestClient(engine), <Gallery />);
    await screen.findByText('Your library is empty. Finished downloads appear here.');
    expect(screen.getByRole('status').textContent).toBe('0 videos');
  });

  it('removes from the library keeping the file, or deletes the file too', async () => {
    const { engine, libraryDir } = makeEngine();
    const jobs = await download(engine, [server.url('/v/clip-4.mp4'), server.url('/v/clip-5.mp4')]);
    const [keep, drop] = await Promise.all(jobs.map((j) => engine.call('library.get', { id: j.itemId! })));
    renderApp(makeTestClient(engine), <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: keep!.title })).getByRole('button'));
    let dialog = screen.getByRole('dialog', { name: keep!.title });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(within(dialog).queryByRole('button', { name: 'Remove from library' })).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove from library' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await expectCards([drop!.title]);
    expect(fs.existsSync(path.join(libraryDir, keep!.path))).toBe(true);
    await expect(engine.call('library.get', { id: keep!.id })).rejects.toThrow(/no library item/);

    fireEvent.click(within(screen.getByRole('listitem', { name: drop!.title })).getByRole('button'));
    dialog = screen.getByRole('dialog', { name: drop!.title });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete file too' }));
    await screen.findByText('Your library is empty. Finished downloads appear here.');
    expect(fs.existsSync(path.join(libraryDir, drop!.path))).toBe(false);
  });

  it("shows the engine's sentence when a delete fails, and keeps the item", async () => {
    const { engine, libraryDir } = makeEngine();
    const [job] = await download(engine, [server.url('/v/clip-6.mp4')]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    // a folder where the file was: the engine cannot delete it as a file
    const abs = path.join(libraryDir, item.path);
    fs.rmSync(abs);
    fs.mkdirSync(abs);
    fs.writeFileSync(path.join(abs, 'keep'), 'x');
    renderApp(makeTestClient(engine), <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: item.title })).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: item.title });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete file too' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain(`Cannot delete ${abs}`);
    expect(alert.textContent).toContain('The item was kept.');
    expect((await engine.call('library.get', { id: item.id })).id).toBe(item.id);
  });

  it('offers Show in folder when the host can reveal files', async () => {
    const revealed: string[] = [];
    const { engine, libraryDir } = makeEngine({ host: { kind: 'desktop', reveal: (file) => void revealed.push(file) } });
    const [job] = await download(engine, [server.url('/v/clip-1.mp4')]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    renderApp(makeTestClient(engine), <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: item.title })).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: item.title });
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Show in folder' }));
    await waitFor(() => expect(revealed).toEqual([fs.realpathSync(path.join(libraryDir, item.path))]));
  });

  it('follows the library live: new downloads appear, items removed elsewhere disappear', async () => {
    const { engine } = makeEngine();
    const [first] = await download(engine, [server.url('/v/clip-1.mp4')]);
    const firstItem = await engine.call('library.get', { id: first!.itemId! });
    renderApp(makeTestClient(engine), <Gallery />);
    await expectCards([firstItem.title]);

    const [second] = await download(engine, [server.url('/v/clip-2.mp4')]);
    const secondItem = await engine.call('library.get', { id: second!.itemId! });
    await expectCards([firstItem.title, secondItem.title]);
    // newest first
    expect(cardTitles()[0]).toBe(secondItem.title);
    expect(screen.getByRole('status').textContent).toBe('2 videos');

    // removed by another window or the CLI while its player is open here
    fireEvent.click(within(screen.getByRole('listitem', { name: firstItem.title })).getByRole('button'));
    await engine.call('library.remove', { id: firstItem.id });
    await expectCards([secondItem.title]);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('1 video');
  });
});
