// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatBytes } from '../../src/shared/format';
import { Stats } from '../../src/renderer/src/screens/Stats';
import { download, makeEngine, stopAll } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
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
  vi.restoreAllMocks();
  await stopAll();
  server.reset();
});

const utcOffsetMin = -new Date().getTimezoneOffset();

/** The value shown under a total's name. */
function total(name: string): string {
  const term = screen.getAllByRole('term').find((dt) => dt.textContent === name);
  return term?.nextElementSibling?.textContent ?? '';
}

describe('Stats', () => {
  it("shows the engine's figures after real downloads, a duplicate and a failure, and follows new ones", async () => {
    const { engine } = makeEngine();
    const jobs = await download(engine, [server.url('/v/clip-1.mp4'), server.url('/v/clip-2.mp4'), server.url('/bad/404.mp4')]);
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed', 'failed']);
    // the same video under another address: skipped after download as a content duplicate
    const [dup] = await download(engine, [server.url('/v/same-as-1.mp4')]);
    expect(dup!.result).toBe('skipped_duplicate');
    const summary = await engine.call('stats.summary', { days: 30, utcOffsetMin });
    expect(summary.totals).toMatchObject({ completed: 2, failed: 1, duplicates: 1 });

    renderApp(makeTestClient(engine), <Stats />);
    expect(screen.getByRole('heading', { name: 'Stats' })).toBeTruthy();
    await waitFor(() => expect(total('Completed')).toBe('2'));
    expect(total('Failed')).toBe('1');
    expect(total('Duplicates skipped')).toBe('1');
    expect(total('Success rate')).toBe('67 %');
    expect(total('Total size')).toBe(formatBytes(summary.totals.bytes));
    expect(total('Average speed')).toBe(`${formatBytes(summary.totals.avgSpeed)}/s`);

    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toContain('last 30 days: 2 completed, 1 failed');
    const perDay = screen.getByRole('table', { name: 'Downloads per day' });
    const today = summary.days.at(-1)!;
    expect(within(perDay).getAllByRole('row')).toHaveLength(31);
    const todayRow = within(perDay).getByRole('rowheader', { name: today.day }).closest('tr')!;
    expect([...todayRow.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['2', '1', formatBytes(today.bytes)]);

    const bySource = screen.getByRole('table', { name: 'By source' });
    // the 404 failed before the extractor was known: it counts under the link's host, like the others
    expect(summary.sources.map((s) => [s.source, s.completed, s.failed])).toEqual([['127.0.0.1', 2, 1]]);
    for (const source of summary.sources) {
      const row = within(bySource).getByRole('rowheader', { name: source.source }).closest('tr')!;
      expect([...row.querySelectorAll('td')].map((td) => td.textContent)).toEqual([String(source.completed), String(source.failed), formatBytes(source.bytes)]);
    }

    // a job finishing while the screen is open
    await download(engine, [server.url('/v/clip-3.mp4')]);
    await waitFor(() => expect(total('Completed')).toBe('3'));
    expect(total('Success rate')).toBe('75 %');

    fireEvent.change(screen.getByLabelText('Period'), { target: { value: '7' } });
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Downloads per day' })).getAllByRole('row')).toHaveLength(8));
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('last 7 days: 3 completed, 1 failed');
  });

  it('exports the history as JSON and CSV files', async () => {
    const { engine } = makeEngine();
    await download(engine, [server.url('/v/clip-1.mp4'), server.url('/bad/404.mp4')]);
    // Blob URLs and link clicks are the browser's; capture what the screen hands them
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return `blob:test/${blobs.length}`;
    });
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicks: Array<{ href: string; download: string }> = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.href, download: this.download });
    });
    renderApp(makeTestClient(engine), <Stats />);

    fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    await waitFor(() => expect(clicks).toHaveLength(1));
    const history = JSON.parse(await blobs[0]!.text()) as Array<{ url: string; state: string }>;
    expect(history.map((h) => [h.url, h.state])).toEqual([
      [server.url('/v/clip-1.mp4'), 'completed'],
      [server.url('/bad/404.mp4'), 'failed'],
    ]);
    expect(blobs[0]!.type).toBe('application/json');
    expect(clicks[0]).toEqual({ href: 'blob:test/1', download: expect.stringMatching(/^clipharbor-history-\d{4}-\d{2}-\d{2}\.json$/) });

    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(clicks).toHaveLength(2));
    const lines = (await blobs[1]!.text()).trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['id', 'parent_id', 'url']);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(server.url('/bad/404.mp4'));
    expect(blobs[1]!.type).toBe('text/csv');
    expect(clicks[1]!.download).toMatch(/\.csv$/);
    await waitFor(() => expect(revoked.mock.calls.map((c) => c[0])).toEqual(['blob:test/1', 'blob:test/2']));
    // the temporary links are gone again
    expect(document.querySelectorAll('a[download]')).toHaveLength(0);
  });
});
