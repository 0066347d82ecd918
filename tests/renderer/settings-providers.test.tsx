// @vitest-environment happy-dom
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/renderer/src/screens/Settings';
import type { Engine } from '../../src/main/engine';
import { startFakeRelease, type FakeRelease } from '../fakes/ytdlp-release';
import { makeEngine, stopAll } from '../support/engine';
import { makeTestClient, renderApp, settleCalls } from './support';

const servers: http.Server[] = [];
const releases: FakeRelease[] = [];

afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(releases.splice(0).map((r) => r.close()));
});

/** Waits until the screen shows this engine's settings (the settings store outlives a test). */
async function renderSettings(engine: Engine): Promise<void> {
  renderApp(makeTestClient(engine), <Settings />);
  const { dataDir } = await engine.call('system.info', {});
  await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Data folder').value).toBe(dataDir));
}

async function savedStatus(label: string): Promise<void> {
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`Saved: ${label}`));
}

const providers = () => screen.getByRole('group', { name: 'Providers' });
const chain = (site: string) => within(providers()).getByRole('group', { name: `For ${site}` });
/** The providers a site's list shows as used, in their order. */
const used = (site: string) =>
  within(chain(site))
    .getAllByRole<HTMLInputElement>('checkbox')
    .filter((box) => box.checked)
    .map((box) => box.getAttribute('aria-label')?.replace(/^Use (.+) for .+$/, '$1'));

/** A server that answers 404 to everything, for a yt-dlp release address that has nothing to fetch. */
async function emptyServer(): Promise<string> {
  const server = http.createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/release`;
}

describe('Settings → Providers', () => {
  it('reorders a site’s providers, adds and removes one, and switches providers off', async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);
    expect(used('YouTube')).toEqual(['yt-dlp', 'Apify', 'HuntAPI']);
    const youtube = chain('YouTube');
    expect(within(youtube).getByRole<HTMLButtonElement>('button', { name: 'Move yt-dlp up (YouTube)' }).disabled).toBe(true);
    expect(within(youtube).getByRole<HTMLButtonElement>('button', { name: 'Move HuntAPI down (YouTube)' }).disabled).toBe(true);

    fireEvent.click(within(youtube).getByRole('button', { name: 'Move Apify up (YouTube)' }));
    await savedStatus('Provider order');
    expect((await engine.call('settings.get', {})).providerOrder.youtube).toEqual(['apify', 'yt-dlp', 'huntapi']);
    expect(used('YouTube')).toEqual(['Apify', 'yt-dlp', 'HuntAPI']);

    fireEvent.click(within(youtube).getByRole('button', { name: 'Move yt-dlp down (YouTube)' }));
    await waitFor(async () => expect((await engine.call('settings.get', {})).providerOrder.youtube).toEqual(['apify', 'huntapi', 'yt-dlp']));

    fireEvent.click(within(chain('Instagram')).getByRole('checkbox', { name: 'Use HuntAPI for Instagram' }));
    await waitFor(async () => expect((await engine.call('settings.get', {})).providerOrder.instagram).toEqual(['yt-dlp', 'huntapi']));
    expect(used('Instagram')).toEqual(['yt-dlp', 'HuntAPI']);
    // the other sites are left as they were
    expect((await engine.call('settings.get', {})).providerOrder).toMatchObject({ direct: ['direct'], other: ['yt-dlp'] });

    const enabled = within(providers()).getByRole('group', { name: 'Enabled providers' });
    fireEvent.click(within(enabled).getByRole('checkbox', { name: 'HuntAPI' }));
    await savedStatus('Enabled providers');
    expect((await engine.call('settings.get', {})).disabledProviders).toEqual(['huntapi']);
    expect(within(enabled).getByRole<HTMLInputElement>('checkbox', { name: 'HuntAPI' }).checked).toBe(false);
    const huntapiRow = within(chain('YouTube')).getByRole('checkbox', { name: 'Use HuntAPI for YouTube' }).closest('li')!;
    expect(huntapiRow.textContent).toContain('disabled');

    fireEvent.click(within(enabled).getByRole('checkbox', { name: 'HuntAPI' }));
    await waitFor(async () => expect((await engine.call('settings.get', {})).disabledProviders).toEqual([]));
  });

  it('shows the engine’s sentence when a site would be left without a provider, and keeps the one it has', async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);
    const other = chain('other sites');
    fireEvent.click(within(other).getByRole('checkbox', { name: 'Use yt-dlp for other sites' }));

    let refusal = '';
    try {
      await engine.call('settings.update', { providerOrder: { ...(await engine.call('settings.get', {})).providerOrder, other: [] } });
    } catch (err) {
      refusal = (err as Error).message;
    }
    expect(refusal).not.toBe('');
    const alert = await within(providers()).findByRole('alert');
    expect(alert.textContent).toBe(refusal);
    await waitFor(() => expect(used('other sites')).toEqual(['yt-dlp']));
    expect((await engine.call('settings.get', {})).providerOrder.other).toEqual(['yt-dlp']);
  });

  it('says when a credential comes from the environment, which wins over a saved one', async () => {
    const { engine } = makeEngine({ env: { ...process.env, APIFY_TOKEN: 'apify-env-token-93ad' } });
    await renderSettings(engine);
    const apify = within(providers()).getByRole('form', { name: /Apify token/ });
    expect(apify.textContent).toContain('Apify token: Set (by the environment variable APIFY_TOKEN');
    expect(document.body.innerHTML).not.toContain('apify-env-token-93ad');
  });

  it('keeps provider credentials write-only and saves the service settings, fractions included', async () => {
    const { engine } = makeEngine();
    await renderSettings(engine);
    const group = providers();
    for (const label of ['Apify token', 'HuntAPI key', 'Pexels API key', 'Pixabay API key']) {
      expect(within(group).getByRole('form', { name: new RegExp(label) }).textContent).toContain(`${label}: Not set`);
    }

    const key = 'pexels-secret-563cbd2e';
    const pexels = within(group).getByRole('form', { name: /Pexels API key/ });
    const field = within(pexels).getByLabelText<HTMLInputElement>('New Pexels API key');
    expect(field.type).toBe('password');
    fireEvent.change(field, { target: { value: key } });
    fireEvent.click(within(pexels).getByRole('button', { name: 'Save Pexels API key' }));
    await waitFor(() => expect(pexels.textContent).toContain('Pexels API key: Set'));
    expect((await engine.call('secrets.status', {})).set.pexelsApiKey).toBe(true);
    expect(field.value).toBe('');
    expect(document.body.innerHTML).not.toContain(key);

    fireEvent.click(within(pexels).getByRole('button', { name: 'Clear Pexels API key' }));
    await waitFor(() => expect(pexels.textContent).toContain('Pexels API key: Not set'));
    expect((await engine.call('secrets.status', {})).set.pexelsApiKey).toBe(false);

    fireEvent.change(within(group).getByLabelText('TikTok downloads with'), { target: { value: 'scrapling-api' } });
    await savedStatus('TikTok downloads with');

    const interval = within(group).getByLabelText<HTMLInputElement>('HuntAPI first check after (s)');
    expect(interval.step).toBe('any');
    fireEvent.change(interval, { target: { value: '2.5' } });
    fireEvent.blur(interval);
    await savedStatus('HuntAPI first check after (s)');

    const template = within(group).getByLabelText<HTMLTextAreaElement>('Apify actor input');
    expect(template.tagName).toBe('TEXTAREA');
    fireEvent.change(template, { target: { value: '{"startUrls": [{"url": "{{url}}"}]}' } });
    fireEvent.blur(template);
    await savedStatus('Apify actor input');

    const downloads = screen.getByRole('group', { name: 'Downloads' });
    for (const [label, value] of [
      ['Maximum file size (MB)', '300'],
      ['Connections per direct download', '2'],
      ['Retries of a request to a service', '5'],
    ] as const) {
      const box = within(downloads).getByLabelText<HTMLInputElement>(label);
      fireEvent.change(box, { target: { value } });
      fireEvent.blur(box);
      await savedStatus(label);
    }

    expect(await engine.call('settings.get', {})).toMatchObject({
      tiktokStrategy: 'scrapling-api',
      huntapiPollIntervalSec: 2.5,
      apifyInputTemplate: '{"startUrls": [{"url": "{{url}}"}]}',
      maxFileSizeMb: 300,
      directConnections: 2,
      httpMaxRetries: 5,
    });
  });
});

/** The runner's environment without a yt-dlp of its own, so the copy Update fetches is the one in use. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.YTDLP_PATH;
  return env;
}

/** The text next to a fact's name in the yt-dlp section. */
function fact(group: HTMLElement, name: string): string {
  return within(group).getByText(name, { selector: 'dt' }).nextElementSibling?.textContent ?? '';
}

describe('Settings → yt-dlp', () => {
  it('shows which yt-dlp is in use, and the engine’s sentence when an update finds nothing to fetch', async () => {
    const { engine } = makeEngine({ env: cleanEnv(), overrides: { ytdlpReleaseUrl: await emptyServer() } });
    await renderSettings(engine);
    const group = screen.getByRole('group', { name: 'yt-dlp' });
    const status = await engine.call('ytdlp.status', {});
    await waitFor(() => expect(within(group).getByText('In use', { selector: 'dt' })).toBeTruthy());
    expect(fact(group, 'In use')).toBe(status.path ? `${status.version ?? 'unknown version'} at ${status.path}` : 'yt-dlp was not found.');
    // a fresh data folder has nothing to go back to
    expect(status.previous).toBeNull();
    expect(within(group).getByRole<HTMLButtonElement>('button', { name: 'Roll back' }).disabled).toBe(true);

    fireEvent.click(within(group).getByRole('button', { name: 'Update yt-dlp' }));
    const alert = await within(group).findByRole('alert', {}, { timeout: 30_000 });
    let refusal = '';
    try {
      await engine.call('ytdlp.update', {});
    } catch (err) {
      refusal = (err as Error).message;
    }
    expect(refusal).not.toBe('');
    expect(alert.textContent).toBe(refusal);
    expect(within(group).getByRole<HTMLButtonElement>('button', { name: 'Update yt-dlp' }).disabled).toBe(false);
    expect(await engine.call('ytdlp.status', {})).toEqual(status);
  });

  it('updates from the release address while saying it is busy, then rolls back', async () => {
    const release = await startFakeRelease({ version: '2026.11.20' });
    releases.push(release);
    const { engine } = makeEngine({ env: cleanEnv(), overrides: { ytdlpReleaseUrl: release.baseUrl } });
    await renderSettings(engine);
    const group = screen.getByRole('group', { name: 'yt-dlp' });
    await waitFor(() => expect(fact(group, 'Fetched copy')).toBe('None yet: Update fetches one into the data folder.'));

    fireEvent.click(within(group).getByRole('button', { name: 'Update yt-dlp' }));
    expect(within(group).getByRole<HTMLButtonElement>('button', { name: 'Updating…' }).disabled).toBe(true);
    expect(within(group).getByRole<HTMLButtonElement>('button', { name: 'Roll back' }).disabled).toBe(true);
    expect(group.getAttribute('aria-busy') ?? group.querySelector('[aria-busy]')?.getAttribute('aria-busy')).toBe('true');
    expect(group.textContent).toContain('Fetching and checking the newest yt-dlp…');
    await waitFor(() => expect(group.textContent).toContain('Updated yt-dlp to 2026.11.20.'), { timeout: 30_000 });
    const updated = await engine.call('ytdlp.status', {});
    expect(updated.managed?.version).toBe('2026.11.20');
    expect(fact(group, 'Fetched copy')).toBe(`2026.11.20 at ${updated.managed!.path}`);
    expect(fact(group, 'In use')).toBe(`2026.11.20 at ${updated.path}`);

    fireEvent.click(within(group).getByRole('button', { name: 'Update yt-dlp' }));
    await within(group).findByText('yt-dlp 2026.11.20 is already the newest version.', {}, { timeout: 30_000 });

    release.publish('2026.12.01');
    fireEvent.click(within(group).getByRole('button', { name: 'Update yt-dlp' }));
    await within(group).findByText('Updated yt-dlp to 2026.12.01.', {}, { timeout: 30_000 });
    expect(fact(group, 'Previous copy')).toMatch(/^2026\.11\.20 at /);

    fireEvent.click(within(group).getByRole('button', { name: 'Roll back' }));
    await within(group).findByText('Back to yt-dlp 2026.11.20.', {}, { timeout: 30_000 });
    expect((await engine.call('ytdlp.status', {})).managed?.version).toBe('2026.11.20');
    expect(fact(group, 'Previous copy')).toMatch(/^2026\.12\.01 at /);
    expect(within(group).queryByRole('alert')).toBeNull();
  });
});
