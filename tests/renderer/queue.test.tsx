// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Progress, Settings } from '../../src/shared/contract';
import { formatBytes } from '../../src/shared/format';
import { adviceFor, providerLabel } from '../../src/renderer/src/format';
import { useJobs } from '../../src/renderer/src/store/jobs';
import { makeEngine, stopAll } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { makeTestClient, renderApp, settleCalls } from './support';

let server: MediaServer;

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(() => server.close());
beforeEach(() => history.replaceState(null, '', '#queue'));
afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
  server.reset();
});

function setup(overrides: Partial<Settings> = {}) {
  const test = makeEngine({ overrides });
  renderApp(makeTestClient(test.engine));
  return test;
}

const LONG = { timeout: 30_000, interval: 50 };
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function jobList(): HTMLElement {
  return screen.getByRole('list', { name: 'Jobs' });
}

function rows(): HTMLElement[] {
  return within(jobList()).getAllByRole('listitem');
}

/** The row whose progress bar is named after `title`. */
function rowOf(title: string): HTMLElement {
  const bar = screen.getByRole('progressbar', { name: `Progress of ${title}` });
  const row = bar.closest<HTMLElement>('[role="listitem"]');
  if (!row) throw new Error(`no row for ${title}`);
  return row;
}

function progress(percent: number): Progress {
  return { phase: 'downloading', downloadedBytes: percent * 1000, totalBytes: 100_000, percent, speed: 5000, etaSec: 10, part: 1, parts: 1 };
}

describe('queue screen', () => {
  it('tells the user how to add links while the queue is empty', async () => {
    setup();
    expect(await screen.findByText(/Nothing in the queue/)).toBeTruthy();
    expect(screen.getByText(/drop links/).textContent).toMatch(/Paste links/);
    expect(screen.queryByRole('list', { name: 'Jobs' })).toBeNull();
  });

  it('shows the progress of a real download as it moves, then completed', async () => {
    const { engine } = setup();
    const url = server.url('/slow/1000000/v/big.mp4');
    const { jobs } = await engine.call('jobs.add', { urls: [url] });
    await engine.start();

    const seen = new Set<number>();
    await waitFor(() => {
      const bar = within(jobList()).getByRole('progressbar');
      const now = bar.getAttribute('aria-valuenow');
      if (now !== null && Number(now) > 0 && Number(now) < 100) seen.add(Number(now));
      expect(seen.size).toBeGreaterThanOrEqual(3);
    }, LONG);
    expect(within(rows()[0]!).getByText('downloading')).toBeTruthy();
    expect(within(rows()[0]!).getByText(/ of .*MB/)).toBeTruthy();

    await waitFor(() => expect(within(rows()[0]!).getByText('completed')).toBeTruthy(), LONG);
    const done = engine.toJob(engine.jobs.require(jobs[0]!.id));
    expect(done.state).toBe('completed');
    const bar = within(rows()[0]!).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('100');
    expect(bar.getAttribute('aria-label')).toBe(`Progress of ${done.title}`);
  });

  it('pauses, resumes, cancels and retries the real job from its row buttons', async () => {
    const { engine } = setup();
    const url = 'https://example.com/watch/one';
    const { jobs } = await engine.call('jobs.add', { urls: [url] });
    const id = jobs[0]!.id;
    const state = () => engine.jobs.require(id).state;

    fireEvent.click(await screen.findByRole('button', { name: `Pause ${url}` }));
    await waitFor(() => expect(state()).toBe('paused'));
    await waitFor(() => expect(within(rowOf(url)).getByText('paused')).toBeTruthy());

    fireEvent.click(screen.getByRole('button', { name: `Resume ${url}` }));
    await waitFor(() => expect(within(rowOf(url)).getByText('queued')).toBeTruthy());
    expect(state()).toBe('queued');

    fireEvent.click(screen.getByRole('button', { name: `Cancel ${url}` }));
    await waitFor(() => expect(within(rowOf(url)).getByText('canceled')).toBeTruthy());
    expect(state()).toBe('canceled');
    expect(screen.queryByRole('button', { name: `Pause ${url}` })).toBeNull();
    expect(screen.queryByRole('button', { name: `Cancel ${url}` })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: `Retry ${url}` }));
    await waitFor(() => expect(within(rowOf(url)).getByText('queued')).toBeTruthy());
    expect(state()).toBe('queued');
  });

  it('pauses and resumes everything, and the summary follows', async () => {
    const { engine } = setup();
    await engine.call('jobs.add', { urls: ['https://example.com/a', 'https://example.com/b'] });
    const summary = await screen.findByRole('list', { name: 'Queue summary' });
    await waitFor(() => expect(summary.textContent).toContain('2 queued'));

    fireEvent.click(screen.getByRole('button', { name: 'Pause all' }));
    await waitFor(() => expect(summary.textContent).toContain('2 paused'));
    expect(engine.jobs.listIds(['paused'])).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Resume all' }));
    await waitFor(() => expect(summary.textContent).toContain('2 queued'));
    expect(engine.jobs.listIds(['queued'])).toHaveLength(2);
  });

  it('moves a job up and down the queue by priority', async () => {
    const { engine } = setup();
    const urls = ['https://example.com/a', 'https://example.com/b', 'https://example.com/c'];
    const { jobs } = await engine.call('jobs.add', { urls });
    const titles = () => rows().map((row) => within(row).getByRole('progressbar').getAttribute('aria-label'));
    await waitFor(() => expect(titles()).toEqual(urls.map((u) => `Progress of ${u}`)));

    fireEvent.click(screen.getByRole('button', { name: `Move ${urls[2]} up` }));
    await waitFor(() => expect(titles()[0]).toBe(`Progress of ${urls[2]}`));
    expect(engine.jobs.require(jobs[2]!.id).priority).toBe(1);

    fireEvent.click(screen.getByRole('button', { name: `Move ${urls[2]} down` }));
    await waitFor(() => expect(titles()[2]).toBe(`Progress of ${urls[2]}`));
    expect(engine.jobs.require(jobs[2]!.id).priority).toBe(0);
  });

  it('selects with the arrow keys and pauses and resumes the selection with Space', async () => {
    const { engine } = setup();
    const urls = ['https://example.com/a', 'https://example.com/b', 'https://example.com/c'];
    const { jobs } = await engine.call('jobs.add', { urls });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const list = jobList();
    list.focus();

    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    await waitFor(() => expect(rowOf(urls[1]!).getAttribute('aria-current')).toBe('true'));
    expect(rowOf(urls[0]!).getAttribute('aria-current')).toBeNull();
    const details = screen.getByRole('region', { name: 'Job details' });
    expect(within(details).getByText(urls[1]!, { selector: '.url' })).toBeTruthy();

    fireEvent.keyDown(list, { key: ' ' });
    await waitFor(() => expect(engine.jobs.require(jobs[1]!.id).state).toBe('paused'));
    await waitFor(() => expect(within(details).getByText('paused')).toBeTruthy());
    fireEvent.keyDown(list, { key: ' ' });
    await waitFor(() => expect(engine.jobs.require(jobs[1]!.id).state).toBe('queued'));

    fireEvent.keyDown(list, { key: 'ArrowUp' });
    await waitFor(() => expect(rowOf(urls[0]!).getAttribute('aria-current')).toBe('true'));
    expect(engine.jobs.require(jobs[0]!.id).state).toBe('queued');
  });

  it('renders only the rows in view of a 2 000-job queue, and End reaches the last one', async () => {
    const { engine } = setup();
    const urls = Array.from({ length: 2000 }, (_, i) => `https://example.com/v/${i}`);
    await engine.call('jobs.add', { urls });
    await waitFor(() => expect(rows()[0]!.getAttribute('aria-setsize')).toBe('2000'), LONG);
    expect(rows().length).toBeLessThan(40);

    const list = jobList();
    list.focus();
    fireEvent.keyDown(list, { key: 'End' });
    await waitFor(() => expect(rowOf(urls[1999]!).getAttribute('aria-current')).toBe('true'));
    expect(rowOf(urls[1999]!).getAttribute('aria-posinset')).toBe('2000');
    expect(rows().length).toBeLessThan(40);
    expect(within(screen.getByRole('region', { name: 'Job details' })).getByText(urls[1999]!, { selector: '.url' })).toBeTruthy();
  });

  it('applies a burst of progress events in one store update per frame', async () => {
    const { engine } = setup();
    const urls = Array.from({ length: 50 }, (_, i) => `https://example.com/v/${i}`);
    const { jobs } = await engine.call('jobs.add', { urls });
    await waitFor(() => expect(useJobs.getState().summary?.queued).toBe(50));
    await waitFor(() => expect(useJobs.getState().order).toHaveLength(50));
    await nextFrame();

    let updates = 0;
    const off = useJobs.subscribe(() => updates++);
    // 50 downloads reporting four times each, as the engine would within a second
    for (let tick = 1; tick <= 4; tick++) {
      for (const job of jobs) engine.bus.emit('job.progress', { jobId: job.id, progress: progress(tick * 10 + (job.id % 7)) });
    }
    expect(updates).toBe(0);
    await nextFrame();
    off();
    expect(updates).toBe(1);

    // the last of the four events wins
    const job = jobs[7]!;
    const percent = 40 + (job.id % 7);
    await waitFor(() => expect(within(rowOf(job.url)).getByRole('progressbar').getAttribute('aria-valuenow')).toBe(String(percent)));
    expect(within(rowOf(job.url)).getByText(`${formatBytes(percent * 1000)} of ${formatBytes(100_000)}`)).toBeTruthy();
  });

  it('shows why a job failed in its row, and its attempts and advice in the details', async () => {
    const { engine } = setup({ maxRetries: 0 });
    const url = server.url('/bad/404.mp4');
    const { jobs } = await engine.call('jobs.add', { urls: [url] });
    const id = jobs[0]!.id;
    await engine.start();
    await waitFor(() => expect(engine.jobs.require(id).state).toBe('failed'), LONG);
    const failed = engine.toJob(engine.jobs.require(id));
    const error = failed.error!;
    const title = failed.title ?? url;

    const row = await waitFor(() => {
      const found = rowOf(title);
      expect(within(found).getByText('failed')).toBeTruthy();
      return found;
    });
    expect(within(row).getByText(error.message)).toBeTruthy();
    expect(within(row).getByRole('button', { name: `Retry ${title}` })).toBeTruthy();

    fireEvent.click(row);
    const details = screen.getByRole('region', { name: 'Job details' });
    const list = await within(details).findByRole('list', { name: 'Attempts' });
    const { attempts } = await engine.call('jobs.get', { id });
    expect(attempts.length).toBeGreaterThan(0);
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(attempts.length);
    expect(within(items[0]!).getByText(providerLabel(attempts[0]!.provider))).toBeTruthy();
    expect(items[0]!.textContent).toContain(`${attempts[0]!.error!.code} ${attempts[0]!.error!.message}`);
    expect(within(details).getAllByText(url).length).toBeGreaterThan(0);
    // the job's own error, with advice on what to do about it
    const errorBox = within(details).getByText(error.message, { selector: '.error-box p' });
    expect(errorBox.textContent).toContain(error.code);
    expect(within(details).getByText(adviceFor(error.code)!)).toBeTruthy();
  });

  it('lists the videos of an expanded playlist with their states in the details', async () => {
    const { engine } = setup({ concurrency: 3 });
    const { jobs } = await engine.call('jobs.add', { urls: [server.url('/page/many.html')] });
    await engine.start();
    await engine.waitForJobs([jobs[0]!.id]);
    const parent = engine.toJob(engine.jobs.require(jobs[0]!.id));
    expect(parent.kind).toBe('playlist');
    const children = engine.jobs.children(parent.id);
    expect(children.length).toBe(3);

    const title = parent.title ?? parent.url;
    await waitFor(() => expect(within(rowOf(title)).getByText('3 of 3 videos done')).toBeTruthy(), LONG);
    fireEvent.click(rowOf(title));
    const list = await screen.findByRole('list', { name: 'Videos in this playlist' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    for (const item of items) expect(within(item).getByText('completed')).toBeTruthy();
  });
});
