// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/shared/format';
import { Gallery } from '../../src/renderer/src/screens/Gallery';
import { download, makeEngine, stopAll } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { makeTestClient, renderApp, settleCalls } from './support';

let server: MediaServer;

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
  server.reset();
});

describe('Gallery player keyframes', () => {
  it('shows a strip of keyframes with their times; activating one moves the video there', async () => {
    const { engine } = makeEngine();
    const [job] = await download(engine, [server.url('/page/one.html')]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item.keyframes.length).toBeGreaterThan(1);
    const client = makeTestClient(engine);
    renderApp(client, <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: item.title })).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: item.title });
    const strip = await within(dialog).findByRole('list', { name: 'Keyframes' });
    const buttons = within(strip).getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual(item.keyframes.map((k) => `Jump to ${formatDuration(k.timeSec)}`));
    for (const [i, k] of item.keyframes.entries()) {
      const button = buttons[i]!;
      expect(button.tagName).toBe('BUTTON');
      expect(button.textContent).toBe(formatDuration(k.timeSec));
      expect(button.querySelector('img')?.getAttribute('src')).toBe(client.mediaUrl(item.id, `keyframe/${k.index}`));
      expect(button.querySelector('img')?.getAttribute('alt')).toBe('');
    }

    const video = dialog.querySelector('video')!;
    const last = item.keyframes.at(-1)!;
    fireEvent.click(within(strip).getByRole('button', { name: `Jump to ${formatDuration(last.timeSec)}` }));
    expect(video.currentTime).toBe(last.timeSec);
    fireEvent.click(buttons[0]!);
    expect(video.currentTime).toBe(item.keyframes[0]!.timeSec);
  });

  it('shows no strip for a video without keyframes', async () => {
    const { engine } = makeEngine({ overrides: { keyframeCount: 0 } });
    const [job] = await download(engine, [server.url('/page/one.html')]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    renderApp(makeTestClient(engine), <Gallery />);

    fireEvent.click(within(await screen.findByRole('listitem', { name: item.title })).getByRole('button'));
    const dialog = screen.getByRole('dialog', { name: item.title });
    // the details call has answered once the engine has no call in flight
    await settleCalls();
    expect(within(dialog).queryByRole('list', { name: 'Keyframes' })).toBeNull();
    expect(dialog.querySelector('video')).toBeTruthy();
  });
});
