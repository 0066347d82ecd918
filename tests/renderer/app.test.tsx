// @vitest-environment happy-dom
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_NAMES, isMethodName, type Settings } from '../../src/shared/contract';
import { toAppError } from '../../src/shared/errors';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH } from '../../src/shared/wire';
import type { Engine } from '../../src/main/engine';
import { createHttpClient } from '../../src/renderer/src/client/http';
import { makeEngine, stopAll, tempDir } from '../support/engine';
import { makeTestClient, renderApp, settleCalls } from './support';

beforeEach(() => history.replaceState(null, '', '#queue'));
afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
});

function setup(opts: { overrides?: Partial<Settings>; libraryDir?: string } = {}) {
  const test = makeEngine(opts);
  renderApp(makeTestClient(test.engine));
  return test;
}

const allJobs = async (engine: Engine) => (await engine.call('jobs.list', { limit: 500 })).jobs;

function urlBox(): HTMLTextAreaElement {
  return screen.getByRole('textbox', { name: 'Add URLs' }) as HTMLTextAreaElement;
}

function typeLinks(text: string): void {
  fireEvent.change(urlBox(), { target: { value: text } });
  fireEvent.click(screen.getByRole('button', { name: 'Add' }));
}

function dataTransfer(data: Record<string, string>): DataTransfer {
  const transfer = new DataTransfer();
  for (const [type, value] of Object.entries(data)) transfer.setData(type, value);
  return transfer;
}

describe('navigation', () => {
  it('switches screens from the Main links and marks the current one', async () => {
    setup();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const link = (name: string) => within(nav).getByRole('link', { name });
    expect(link('Queue').getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('heading', { name: 'Queue' })).toBeTruthy();

    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Queue', 'Gallery', 'Search', 'Settings', 'Stats']);
    for (const name of ['Gallery', 'Search', 'Settings', 'Stats', 'Queue']) {
      fireEvent.click(link(name));
      expect(link(name).getAttribute('aria-current')).toBe('page');
      expect(location.hash).toBe(`#${name.toLowerCase()}`);
      for (const other of ['Queue', 'Gallery', 'Search', 'Settings', 'Stats'].filter((n) => n !== name)) {
        expect(link(other).getAttribute('aria-current')).toBeNull();
      }
    }
    expect(await screen.findByRole('heading', { name: 'Queue' })).toBeTruthy();
    // the add bar is there on every screen
    fireEvent.click(link('Stats'));
    expect(screen.queryByRole('heading', { name: 'Queue' })).toBeNull();
    expect(urlBox()).toBeTruthy();
  });

  it('follows Back in the browser, and `/` opens the Gallery with its search field focused', async () => {
    setup();
    const link = (name: string) => within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name });
    history.pushState(null, '', '#settings');
    fireEvent(window, new PopStateEvent('popstate'));
    await waitFor(() => expect(link('Settings').getAttribute('aria-current')).toBe('page'));

    fireEvent.keyDown(document.body, { key: '/' });
    await waitFor(() => expect(link('Gallery').getAttribute('aria-current')).toBe('page'));
    const search = await waitFor(() => {
      const found = document.querySelector<HTMLElement>('[data-shortcut="search"]');
      expect(found).not.toBeNull();
      return found!;
    });
    await waitFor(() => expect(document.activeElement).toBe(search));
  });
});

describe('add bar', () => {
  it('lists every bad line and sends nothing when none is a link', async () => {
    const { engine } = setup();
    typeLinks('not a link\nftp://example.com/file');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Nothing was added');
    const bad = within(alert).getAllByRole('listitem');
    expect(bad.map((li) => li.textContent)).toEqual([
      expect.stringContaining('"not"'),
      expect.stringContaining('"a"'),
      expect.stringContaining('"link"'),
      expect.stringContaining('ftp'),
    ]);
    expect(await allJobs(engine)).toEqual([]);
    expect(urlBox().value).toBe('not a link\nftp://example.com/file');
  });

  it('sends the good links, keeps the bad ones in the box, and says what happened', async () => {
    const { engine } = setup();
    typeLinks('https://example.com/a\njavascript:alert(1)\nhttps://example.com/b https://example.com/c');
    await screen.findByText('Added 3');
    expect((await allJobs(engine)).map((j) => j.url).sort()).toEqual(['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
    expect(screen.getByRole('alert').textContent).toContain('One line was not added');
    expect(urlBox().value).toBe('javascript:alert(1)');

    fireEvent.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Dismiss the error' }));
    expect(screen.queryByRole('alert')).toBeNull();
    typeLinks('https://example.com/a https://example.com/d');
    await screen.findByText('Added 1 — 1 was already queued');
    expect(urlBox().value).toBe('');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the engine’s own sentence when it refuses the links', async () => {
    const notADir = path.join(tempDir('file'), 'library');
    fs.writeFileSync(notADir, 'a file where the library folder should be');
    const { engine } = setup({ libraryDir: notADir });
    typeLinks('https://example.com/a');
    const alert = await screen.findByRole('alert');
    const refusal = await engine.call('jobs.add', { urls: ['https://example.com/a'] }).catch((err: unknown) => toAppError(err));
    expect(refusal).toMatchObject({ code: 'ERR_DISK' });
    expect(alert.textContent).toBe((refusal as Error).message);
    expect(urlBox().value).toBe('https://example.com/a');
  });

  it('starts on the default quality from the settings, and Audio only picks audio', async () => {
    const { engine } = setup({ overrides: { defaultQuality: '720p' } });
    const quality = screen.getByRole('combobox', { name: 'Quality' }) as HTMLSelectElement;
    await waitFor(() => expect(quality.value).toBe('720p'));
    const audio = screen.getByRole('checkbox', { name: 'Audio only' }) as HTMLInputElement;
    expect(audio.checked).toBe(false);

    fireEvent.click(audio);
    expect(quality.value).toBe('audio');
    typeLinks('https://example.com/song');
    await screen.findByText('Added 1');
    expect((await allJobs(engine))[0]).toMatchObject({ quality: 'audio' });

    fireEvent.click(audio);
    expect(quality.value).toBe('720p');
  });
});

describe('drop and paste', () => {
  it('shows the drop overlay while links are dragged in and adds the dropped links', async () => {
    const { engine } = setup({ overrides: { defaultQuality: '480p' } });
    const transfer = dataTransfer({
      'text/uri-list': '# dragged from a browser\r\nhttps://example.com/one\r\nhttps://example.com/two',
      'text/plain': 'https://example.com/one',
    });
    fireEvent.dragEnter(document.body, { dataTransfer: transfer });
    expect(screen.getByText('Drop links to download')).toBeTruthy();
    fireEvent.dragOver(document.body, { dataTransfer: transfer });
    fireEvent.drop(document.body, { dataTransfer: transfer });
    expect(screen.queryByText('Drop links to download')).toBeNull();

    await screen.findByText('Added 2');
    const jobs = await allJobs(engine);
    expect(jobs.map((j) => j.url).sort()).toEqual(['https://example.com/one', 'https://example.com/two']);
    for (const job of jobs) expect(job.quality).toBe('480p');
  });

  it('says so when what was dropped has no link', async () => {
    const { engine } = setup();
    fireEvent.drop(document.body, { dataTransfer: dataTransfer({ 'text/plain': 'just some words' }) });
    expect((await screen.findByRole('alert')).textContent).toContain('no http:// or https:// link');
    expect(await allJobs(engine)).toEqual([]);
  });

  it('adds the links of a paste outside text fields, and leaves a paste into the box to the box', async () => {
    const { engine } = setup();
    fireEvent.paste(urlBox(), { clipboardData: dataTransfer({ 'text/plain': 'https://example.com/typed' }) });
    fireEvent.paste(document.body, { clipboardData: dataTransfer({ 'text/plain': 'see https://example.com/pasted and https://example.com/more' }) });
    await screen.findByText('Added 2');
    expect((await allJobs(engine)).map((j) => j.url).sort()).toEqual(['https://example.com/more', 'https://example.com/pasted']);
  });
});

describe('theme', () => {
  const happyDOM = () => (window as unknown as { happyDOM: { settings: { device: { prefersColorScheme: string } } } }).happyDOM;

  it('puts the theme setting on <html> and follows its changes', async () => {
    happyDOM().settings.device.prefersColorScheme = 'light';
    const { engine } = setup();
    const theme = () => document.documentElement.dataset.theme;
    await waitFor(() => expect(theme()).toBe('light'));

    await act(() => engine.call('settings.update', { theme: 'dark' }));
    await waitFor(() => expect(theme()).toBe('dark'));
    await act(() => engine.call('settings.update', { theme: 'light' }));
    await waitFor(() => expect(theme()).toBe('light'));
  });

  it('follows the OS colour scheme live while the theme is "system"', async () => {
    happyDOM().settings.device.prefersColorScheme = 'light';
    const { engine } = setup();
    const theme = () => document.documentElement.dataset.theme;
    await waitFor(() => expect(theme()).toBe('light'));

    // happy-dom re-evaluates media queries on resize, as a browser does when the OS setting changes
    happyDOM().settings.device.prefersColorScheme = 'dark';
    fireEvent(window, new Event('resize'));
    await waitFor(() => expect(theme()).toBe('dark'));

    await act(() => engine.call('settings.update', { theme: 'light' }));
    await waitFor(() => expect(theme()).toBe('light'));
    happyDOM().settings.device.prefersColorScheme = 'light';
  });
});

/**
 * The contract over HTTP and a WebSocket, in front of a real engine: enough of `clipharbor serve` to drop the event
 * socket, keep it down for a while and let it come back.
 */
async function serveEngine(engine: Engine) {
  const sockets = new Set<ServerSocket>();
  let down = false;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const method = (req.url ?? '').slice(HTTP_API_PREFIX.length);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!isMethodName(method)) return reply(404, { ok: false, error: { code: 'ERR_NOT_FOUND', message: 'No such method.' } });
      engine.call(method, JSON.parse(raw)).then(
        (result) => reply(200, { ok: true, result }),
        (err: unknown) => reply(400, { ok: false, error: toAppError(err).toJSON() }),
      );
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (down || req.url !== HTTP_EVENTS_PATH) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const offs = EVENT_NAMES.map((event) =>
    engine.on(event, (payload) => {
      for (const ws of sockets) ws.send(JSON.stringify({ event, payload }));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    /** Drops every event socket and refuses new ones until `up()`. */
    drop() {
      down = true;
      for (const ws of sockets) ws.terminate();
    },
    up() {
      down = false;
    },
    async close() {
      for (const off of offs) off();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('connection to the server', () => {
  it('shows a banner while the event stream is down and reloads the queue when it is back', async () => {
    const { engine } = makeEngine();
    const served = await serveEngine(engine);
    try {
      (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${served.origin}/#queue`);
      renderApp(createHttpClient(served.origin));
      await screen.findByText(/Nothing in the queue/);
      await waitFor(() => expect(served.sockets.size).toBe(1));
      expect(screen.queryByText('Reconnecting to ClipHarbor…')).toBeNull();

      served.drop();
      const banner = await screen.findByText('Reconnecting to ClipHarbor…');
      expect(banner.getAttribute('role')).toBe('status');
      // a job added while the socket is down: its event is lost, only the reload can show it
      await engine.call('jobs.add', { urls: ['https://example.com/while-away'] });
      await engine.call('settings.update', { defaultQuality: '360p' });

      served.up();
      await waitFor(() => expect(screen.queryByText('Reconnecting to ClipHarbor…')).toBeNull(), { timeout: 15_000 });
      expect(await screen.findByRole('progressbar', { name: 'Progress of https://example.com/while-away' })).toBeTruthy();
      await waitFor(() => expect((screen.getByRole('combobox', { name: 'Quality' }) as HTMLSelectElement).value).toBe('360p'));
    } finally {
      cleanup();
      await served.close();
    }
  });
});
