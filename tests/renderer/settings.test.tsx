// @vitest-environment happy-dom
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MethodInput } from '../../src/shared/contract';
import { Settings } from '../../src/renderer/src/screens/Settings';
import { makeEngine, stopAll, tempDir, waitFor as waitUntil } from '../support/engine';
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
  await stopAll();
});

function input(label: string): HTMLInputElement {
  return screen.getByLabelText<HTMLInputElement>(label);
}

/** Types into a text or number field and leaves it, which is when the screen saves it. */
function typeAndLeave(label: string, value: string): void {
  fireEvent.change(input(label), { target: { value } });
  fireEvent.blur(input(label));
}

async function savedStatus(label: string): Promise<void> {
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`Saved: ${label}`));
}

/** The sentence the engine itself answers a bad change with, to compare the screen's alert against. */
async function engineRefusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the engine accepted the change');
}

/** Waits until the screen shows this engine's settings (the settings store outlives a test). */
async function renderSettings(engine: Parameters<typeof makeTestClient>[0]): Promise<void> {
  renderApp(makeTestClient(engine), <Settings />);
  const { dataDir } = await engine.call('system.info', {});
  await waitFor(() => expect(input('Data folder').value).toBe(dataDir));
}

describe('Settings', () => {
  it('applies every kind of field at once, and the values survive a fresh engine on the same data folder', async () => {
    const first = makeEngine();
    await renderSettings(first.engine);
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeTruthy();
    for (const legend of ['Library', 'Downloads', 'YouTube', 'Accounts & network', 'Programs', 'App']) {
      expect(screen.getByRole('group', { name: legend })).toBeTruthy();
    }

    typeAndLeave('Simultaneous downloads', '5');
    await savedStatus('Simultaneous downloads');

    fireEvent.change(input('Speed limit (KB/s)'), { target: { value: '750' } });
    fireEvent.keyDown(input('Speed limit (KB/s)'), { key: 'Enter' });
    await savedStatus('Speed limit (KB/s)');

    fireEvent.click(input('Embed the thumbnail in the file'));
    await savedStatus('Embed the thumbnail in the file');

    fireEvent.change(screen.getByLabelText('Default quality'), { target: { value: '720p' } });
    await savedStatus('Default quality');

    typeAndLeave('Player clients', 'tv, web_safari');
    await savedStatus('Player clients');

    fireEvent.click(within(screen.getByRole('group', { name: 'Theme' })).getByRole('radio', { name: 'Dark' }));
    await savedStatus('Theme');

    const library = tempDir('newlib');
    typeAndLeave('Library folder', library);
    await savedStatus('Library folder');
    expect(screen.queryByRole('alert')).toBeNull();

    const expected: MethodInput<'settings.update'> = {
      concurrency: 5,
      speedLimitKBps: 750,
      embedThumbnail: false,
      defaultQuality: '720p',
      youtubePlayerClients: ['tv', 'web_safari'],
      theme: 'dark',
      libraryDir: library,
    };
    expect(await first.engine.call('settings.get', {})).toMatchObject(expected);

    cleanup();
    await first.engine.stop();
    const second = makeEngine({ dataDir: first.dataDir });
    expect(await second.engine.call('settings.get', {})).toMatchObject(expected);
    await renderSettings(second.engine);
    expect(input('Simultaneous downloads').value).toBe('5');
    expect(input('Embed the thumbnail in the file').checked).toBe(false);
    expect(input('Player clients').value).toBe('tv, web_safari');
    expect(within(screen.getByRole('group', { name: 'Theme' })).getByRole<HTMLInputElement>('radio', { name: 'Dark' }).checked).toBe(true);
  });

  it("shows the engine's sentence for an invalid change and leaves the field as typed", async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);

    typeAndLeave('Simultaneous downloads', '42');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(await engineRefusal(() => engine.call('settings.update', { concurrency: 42 })));
    expect(input('Simultaneous downloads').value).toBe('42');
    expect(input('Simultaneous downloads').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('status').textContent).toBe('');
    expect((await engine.call('settings.get', {})).concurrency).toBe(3);

    // a folder that cannot be created: its parent is a file
    const file = path.join(tempDir('blocker'), 'a-file');
    fs.writeFileSync(file, '');
    const bad = path.join(file, 'library');
    typeAndLeave('Library folder', bad);
    const refusal = await engineRefusal(() => engine.call('settings.update', { libraryDir: bad }));
    expect(refusal).toMatch(/^Cannot write the library folder .*ENOTDIR/);
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain(refusal));
    expect(input('Library folder').value).toBe(bad);
    expect((await engine.call('settings.get', {})).libraryDir).toBe('');
  });

  it('refuses to move the library while a download runs', async () => {
    const { engine } = makeEngine();
    const { jobs } = await engine.call('jobs.add', { urls: [server.url('/slow/20000/v/big.mp4')] });
    await engine.start();
    const id = jobs[0]!.id;
    await waitUntil(() => engine.jobs.require(id).state === 'downloading', 20_000, 'the download to start');
    await renderSettings(engine);

    typeAndLeave('Library folder', tempDir('moved'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Downloads are running: pause them (Pause all) before changing the library folder.');
    await engine.call('jobs.cancel', { id });
  });

  it('sets and clears secrets without ever showing them, and says how they are kept', async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);
    const accounts = screen.getByRole('group', { name: 'Accounts & network' });
    expect(accounts.textContent).toContain('stored in the data folder without encryption');
    const proxyForm = within(accounts).getByRole('form', { name: /Proxy URL/ });
    expect(proxyForm.textContent).toContain('Not set');

    const secret = 'http://user:hunter2@proxy.example:8080';
    const field = within(proxyForm).getByLabelText<HTMLInputElement>('New proxy URL');
    expect(field.type).toBe('password');
    fireEvent.change(field, { target: { value: secret } });
    fireEvent.click(within(proxyForm).getByRole('button', { name: 'Save proxy URL' }));
    await waitFor(() => expect(proxyForm.textContent).toContain('Proxy URL: Set'));
    expect(field.value).toBe('');
    expect(engine.secrets.get('proxy')).toBe(secret);
    expect(document.body.innerHTML).not.toContain('hunter2');
    expect(screen.getByRole('status').textContent).toBe('Saved: Proxy URL');

    const cookies = within(accounts).getByRole('form', { name: /Cookies file/ });
    expect(cookies.textContent).toContain('Not set');
    expect(within(cookies).getByRole<HTMLButtonElement>('button', { name: 'Clear cookies file path' }).disabled).toBe(true);

    fireEvent.click(within(proxyForm).getByRole('button', { name: 'Clear proxy URL' }));
    await waitFor(() => expect(proxyForm.textContent).toContain('Proxy URL: Not set'));
    expect((await engine.call('secrets.status', {})).set.proxy).toBe(false);
    expect(document.body.innerHTML).not.toContain('hunter2');
  });

  it('shows the data folder, free space and the programs the engine found', async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);
    const info = await engine.call('system.info', {});
    expect(input('Data folder').readOnly).toBe(true);
    const programs = screen.getByRole('group', { name: 'Programs' });
    for (const binary of info.binaries) {
      expect(programs.textContent).toContain(`${binary.name} ${binary.version} at ${binary.path}`);
    }
    expect(screen.getByRole('group', { name: 'Library' }).textContent).toMatch(/Free space in the library folder: [\d.]+ [KMGT]?B/);
    expect(screen.getByRole('group', { name: 'App' }).textContent).toContain('apply to the desktop app');
  });
});
