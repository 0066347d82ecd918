/**
 * `clipharbor search` as users run it: the built CLI (out/main/cli.js; run `npx electron-vite build` after changing
 * src/) in its own process, pointed at the Pexels and Pixabay fakes through PEXELS_BASE_URL / PIXABAY_BASE_URL and
 * given keys through PEXELS_API_KEY / PIXABAY_API_KEY. `--get` downloads real mp4 files from the media server.
 * Every run has its own temporary --data and --dir and a hard timeout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResult } from '../../src/shared/contract';
import type { FinishedLine } from '../../src/main/cli/index';
import { createEngine } from '../../src/main/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { runCli, type RunResult } from '../support/run';
import { makeCatalog, PEXELS_KEY, PIXABAY_KEY, startStockFakes, type StockFakes } from '../fakes/stock';


let media: MediaServer;
let fakes: StockFakes;
const roots: string[] = [];

beforeAll(async () => {
  media = await startMediaServer();
  const pexelsOnly = makeCatalog(8, { startId: 1000, sites: ['pexels'] });
  // other clips than the Pexels videos of the same rank, so two downloads are two different files
  const pixabayOnly = makeCatalog(8, { startId: 2000, sites: ['pixabay'] }).map((v) => ({ ...v, clip: (v.clip % 6) + 1 }));
  fakes = await startStockFakes({ mediaBaseUrl: media.baseUrl, catalog: [...pexelsOnly, ...pixabayOnly] });
});

afterAll(async () => {
  await fakes?.close();
  await media?.close();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

function dirs(): { data: string; dir: string; args: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-cli-search-'));
  roots.push(root);
  const data = path.join(root, 'data');
  const dir = path.join(root, 'lib');
  return { data, dir, args: ['--data', data, '--dir', dir] };
}

/** The fakes as the services, with or without keys. */
function cli(args: string[], opts: { keys?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { PEXELS_BASE_URL: fakes.pexels.url, PIXABAY_BASE_URL: fakes.pixabay.url };
  if (opts.keys ?? true) Object.assign(env, { PEXELS_API_KEY: PEXELS_KEY, PIXABAY_API_KEY: PIXABAY_KEY });
  return runCli(args, { env, timeoutMs: opts.timeoutMs });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('clipharbor search', () => {
  it('prints a numbered table and one status line per source', async () => {
    const d = dirs();
    const r = await cli(['search', 'ocean', '--count', '5', ...d.args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^#\s+source\s+size\s+length\s+creator\s+title$/);
    // ocean is every fourth video: Pexels 1000, 1004; Pixabay 2000, 2004 — interleaved by rank
    expect(out.slice(1, 5)).toEqual([
      expect.stringMatching(/^1 {2}pexels +1920×1080 [\d.]+ [KM]B +0:05 +Creator 1 +Aerial view of ocean waves 1$/),
      expect.stringMatching(/^2 {2}pixabay +1920×1080 [\d.]+ [KM]B +0:05 +Creator_1 +Ocean, waves, sea$/),
      expect.stringMatching(/^3 {2}pexels +1080×1080 .*Aerial view of ocean waves 5$/),
      expect.stringMatching(/^4 {2}pixabay +/),
    ]);
    expect(out.slice(5)).toEqual([expect.stringMatching(/^pexels: 2 shown, \d+ requests left until /), expect.stringMatching(/^pixabay: 2 shown, \d+ requests left until /)]);

    // the same search again comes from the cache
    const again = await cli(['search', 'Ocean', '--count', '5', ...d.args]);
    expect(again.code).toBe(0);
    expect(lines(again.stdout).slice(-2)).toEqual([expect.stringMatching(/^pexels: 2 shown, cached answer/), expect.stringMatching(/^pixabay: 2 shown, cached answer/)]);
  });

  it('--json prints one result per line on stdout and the status on stderr', async () => {
    const d = dirs();
    const r = await cli(['search', 'city', 'night', '--source', 'pixabay', '--count', '3', '--quality', '720p', '--json', ...d.args]);
    expect(r.code).toBe(0);
    const results = lines(r.stdout).map((l) => JSON.parse(l) as SearchResult);
    expect(results.map((x) => x.key)).toEqual(['pixabay:2001', 'pixabay:2005']);
    expect(results[0]).toMatchObject({ source: 'pixabay', height: 720, creatorName: 'Creator_2', creatorUrl: 'https://pixabay.com/users/Creator_2-501/' });
    expect(results[0]!.fileUrl.startsWith(media.baseUrl)).toBe(true);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^pixabay: 2 shown/)]);
  });

  it('exits 2 on bad usage and 1 when every source failed', async () => {
    const d = dirs();
    for (const args of [[], ['ocean', '--count', '0'], ['ocean', '--count', 'many'], ['ocean', '--source', 'vimeo'], ['ocean', '--orientation', 'diagonal'], ['ocean', '--quality', 'audio'], ['ocean', '--from', 'x']]) {
      const r = await cli(['search', ...args, ...d.args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^clipharbor: /);
      expect(r.stdout).toBe('');
    }
    const help = await cli(['search', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--min-width N/);

    const noKeys = await cli(['search', 'ocean', ...d.args], { keys: false });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stdout).toMatch(/^No results\.$/m);
    expect(noKeys.stdout).toMatch(/^pexels: ERR_CREDENTIALS: No Pexels API key: set PEXELS_API_KEY/m);
    expect(noKeys.stdout).toMatch(/^pixabay: ERR_CREDENTIALS: No Pixabay API key: set PIXABAY_API_KEY/m);
  });

  it('--get downloads every result shown into the library, with its attribution', async () => {
    const d = dirs();
    const r = await cli(['search', 'ocean', '--count', '2', '--get', '--json', ...d.args], { timeoutMs: 90_000 });
    expect(r.stderr).toMatch(/^pexels: 1 shown/m);
    expect(r.code).toBe(0);
    const all = lines(r.stdout).map((l) => JSON.parse(l) as SearchResult | FinishedLine);
    const shown = all.filter((x): x is SearchResult => 'key' in x);
    const finished = all.filter((x): x is FinishedLine => 'jobId' in x);
    expect(shown.map((x) => x.key)).toEqual(['pexels:1000', 'pixabay:2000']);
    expect(finished.map((x) => x.status)).toEqual(['completed', 'completed']);
    for (const f of finished) expect(fs.existsSync(f.file!)).toBe(true);

    const engine = createEngine({ dataDir: d.data, libraryDir: d.dir, env: {} });
    try {
      const { items } = await engine.call('library.list', { sort: 'oldest' });
      expect(items.map((i) => [i.source, i.videoId, i.attributionName, i.attributionUrl]).sort()).toEqual([
        ['pexels', '1000', 'Creator 1', 'https://www.pexels.com/@creator-1'],
        ['pixabay', '2000', 'Creator_1', 'https://pixabay.com/users/Creator_1-500/'],
      ]);
    } finally {
      await engine.stop();
    }
  });
});
