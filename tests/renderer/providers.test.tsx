// @vitest-environment happy-dom
/**
 * What the provider chain leaves behind, as the Queue details and the Stats screen show it: a YouTube link that
 * yt-dlp cannot get (YouTube is unreachable here), then Apify and HuntAPI (fakes) that both report failure.
 */
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/shared/format';
import { formatElapsed, formatTime, providerLabel } from '../../src/renderer/src/format';
import { Stats } from '../../src/renderer/src/screens/Stats';
import type { Engine } from '../../src/main/engine';
import { startApifyFake } from '../fakes/apify';
import { startHuntapiFake } from '../fakes/huntapi';
import { download, makeEngine, stopAll } from '../support/engine';
import { makeTestClient, renderApp, settleCalls } from './support';

const fakes: Array<{ close(): Promise<void> }> = [];

beforeEach(() => history.replaceState(null, '', '#queue'));
afterEach(async () => {
  cleanup();
  await settleCalls();
  await stopAll();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const YT = 'https://www.youtube.com/watch?v=aBcDeFgHiJ0';

/** An engine whose YouTube chain fails at every provider, with that one job already run to its end. */
async function failedChain(): Promise<{ engine: Engine; jobId: number }> {
  const apify = await startApifyFake({ fileUrl: 'http://127.0.0.1:9/never.mp4', scenario: { outcome: 'FAILED' } });
  const hunt = await startHuntapiFake({ fileUrl: 'http://127.0.0.1:9/never.mp4', scenario: { outcome: 'failed-job' } });
  fakes.push(apify, hunt);
  const env = { ...process.env, APIFY_BASE_URL: apify.url, HUNTAPI_BASE_URL: hunt.url, APIFY_TOKEN: apify.token, HUNTAPI_TOKEN: hunt.apiKey };
  const { engine } = makeEngine({
    env,
    overrides: { maxRetries: 0, huntapiPollIntervalSec: 0.01, huntapiMaxPollIntervalSec: 0.05, httpMaxRetries: 1, disabledProviders: ['scrapling'] },
  });
  const [job] = await download(engine, [YT]);
  expect(job!.state).toBe('failed');
  return { engine, jobId: job!.id };
}

describe('provider attempts in the Queue details', () => {
  it('lists every attempt with its provider, fallback mark, timing, remote id, error and reported facts', async () => {
    const { engine, jobId } = await failedChain();
    const { attempts } = await engine.call('jobs.get', { id: jobId });
    expect(attempts.map((a) => [a.provider, a.fallback])).toEqual([
      ['yt-dlp', false],
      ['apify', true],
      ['huntapi', true],
    ]);
    expect(attempts.slice(1).every((a) => a.remoteId !== null && a.detail !== null)).toBe(true);

    renderApp(makeTestClient(engine));
    // the only job in the queue
    fireEvent.click(within(await screen.findByRole('list', { name: 'Jobs' })).getByRole('listitem'));
    const details = screen.getByRole('region', { name: 'Job details' });
    const list = await within(details).findByRole('list', { name: 'Attempts' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(attempts.length);

    attempts.forEach((attempt, i) => {
      const item = items[i]!;
      const head = item.querySelector('.attempt-head')!;
      expect(within(item).getByText(providerLabel(attempt.provider), { selector: 'strong' })).toBeTruthy();
      if (attempt.variant) expect(head.textContent).toContain(attempt.variant);
      expect(within(item).queryByText('fallback') !== null).toBe(attempt.fallback);
      expect(head.textContent).toContain(formatTime(attempt.startedAt));
      expect(head.textContent).toContain(formatElapsed(attempt.endedAt! - attempt.startedAt));
      if (attempt.bytes !== null) expect(head.textContent).toContain(formatBytes(attempt.bytes));
      expect(item.textContent).toContain(`${attempt.error!.code} ${attempt.error!.message}`);
      const facts = [...item.querySelectorAll('.attempt-facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]);
      const expected: Array<[string, string]> = [];
      if (attempt.remoteId !== null) expected.push(['remote id', attempt.remoteId]);
      for (const [key, value] of Object.entries(attempt.detail ?? {})) {
        expected.push([key, value === null ? '—' : typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)]);
      }
      expect(facts).toEqual(expected);
    });
    expect(items[1]!.textContent).toContain(`remote id${attempts[1]!.remoteId}`);
  });
});

describe('provider figures on the Stats screen', () => {
  it('shows attempts per provider and each provider’s health as the engine reports them', async () => {
    const { engine } = await failedChain();
    const stats = (await engine.call('stats.providers', { days: 30 })).providers;
    const health = (await engine.call('providers.health', {})).providers;
    expect(stats.map((p) => p.provider).sort()).toEqual(['apify', 'huntapi', 'yt-dlp']);

    renderApp(makeTestClient(engine), <Stats />);
    const table = await screen.findByRole('table', { name: 'By provider' });
    for (const p of stats) {
      const cells = [...within(table).getByRole('rowheader', { name: providerLabel(p.provider) }).closest('tr')!.querySelectorAll('td')].map((td) => td.textContent);
      const codes = Object.entries(p.failuresByCode)
        .sort(([, a], [, b]) => b - a)
        .map(([code, n]) => `${code} ${n}`)
        .join('');
      expect(cells).toEqual([String(p.attempts), String(p.successes), String(p.failures), String(p.fallbacks), formatBytes(p.bytes), formatElapsed(p.ms), codes]);
    }
    expect(stats.find((p) => p.provider === 'apify')).toMatchObject({ attempts: 1, failures: 1, fallbacks: 1 });

    const panel = screen.getByRole('table', { name: 'Provider health' });
    expect(within(panel).getAllByRole('rowheader').map((th) => th.textContent)).toEqual(health.map((h) => providerLabel(h.provider)));
    for (const h of health) {
      const row = within(panel).getByRole('rowheader', { name: providerLabel(h.provider) }).closest('tr')!;
      const [breaker, rate, lastError, notes] = [...row.querySelectorAll('td')];
      expect(breaker!.textContent).toBe(h.breaker);
      expect(breaker!.querySelector('.badge')?.getAttribute('data-breaker')).toBe(h.breaker);
      expect(rate!.textContent).toBe(h.recentSuccessRate === null ? '—' : `${Math.round(h.recentSuccessRate * 100)} % of ${h.recentAttempts}`);
      expect(lastError!.textContent).toBe(h.lastError ? `${h.lastError.code} ${h.lastError.message} (${formatTime(h.lastError.at)})` : '—');
      if (h.unavailable) expect(notes!.textContent).toContain(h.unavailable.replace(/\.$/, ''));
    }
    const scrapling = health.find((h) => h.provider === 'scrapling')!;
    expect(scrapling.enabled).toBe(false);
    expect(within(panel).getByRole('rowheader', { name: 'Scrapling' }).closest('tr')!.textContent).toMatch(/Not used: |Disabled in Settings/);
    expect(health.find((h) => h.provider === 'huntapi')!.lastError?.code).toBe(
      (await engine.call('jobs.get', { id: (await engine.call('jobs.list', {})).jobs[0]!.id })).attempts[2]!.error!.code,
    );
  });
});
