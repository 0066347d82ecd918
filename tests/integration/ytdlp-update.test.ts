/**
 * `ytdlp update|rollback|status` against a fake release server (tests/fakes/ytdlp-release.ts) on 127.0.0.1: the
 * engine fetches, verifies (SHA2-256SUMS, --version), switches and rolls back, and real downloads through the
 * local media server then run on the fetched copy (which hands them to the real yt-dlp). The CLI block runs the
 * built CLI (`npx electron-vite build` after changing src/ when running this file alone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine';
import { releaseAsset, sumFor, YtdlpUpdater } from '../../src/main/engine/ytdlp-update';
import { startFakeRelease, type FakeRelease } from '../fakes/ytdlp-release';
import { download, makeEngine, stopAll, tempDir, waitFor } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { runCli, type RunResult } from '../support/run';

const exe = process.platform === 'win32' ? '.exe' : '';
let server: MediaServer;
let release: FakeRelease;
const temps: string[] = [];

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  await stopAll();
  await release?.close();
  server.reset();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The test runner's environment without anything that points at a yt-dlp of its own. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.YTDLP_PATH;
  return env;
}

function which(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && fs.existsSync(file)) return file;
  }
  throw new Error(`${name} is not on PATH`);
}

async function setup(opts: { env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {}) {
  release = await startFakeRelease();
  const t = makeEngine({ env: opts.env ?? cleanEnv(), overrides: { ytdlpReleaseUrl: release.baseUrl, ...opts.overrides } });
  temps.push(t.dataDir, t.libraryDir);
  const bin = path.join(t.dataDir, 'bin');
  return { ...t, bin, managed: path.join(bin, `yt-dlp${exe}`), previous: path.join(bin, `yt-dlp.previous${exe}`), files: () => (fs.existsSync(bin) ? fs.readdirSync(bin).sort() : []) };
}

describe('release assets and checksum lists', () => {
  it('picks the standalone build per platform and the Python zipapp elsewhere', () => {
    expect(releaseAsset('linux', 'x64')).toBe('yt-dlp_linux');
    expect(releaseAsset('linux', 'arm64')).toBe('yt-dlp_linux_aarch64');
    expect(releaseAsset('darwin', 'arm64')).toBe('yt-dlp_macos');
    expect(releaseAsset('darwin', 'x64')).toBe('yt-dlp_macos');
    expect(releaseAsset('win32', 'x64')).toBe('yt-dlp.exe');
    expect(releaseAsset('win32', 'arm64')).toBe('yt-dlp_arm64.exe');
    expect(releaseAsset('freebsd', 'x64')).toBe('yt-dlp');
    expect(releaseAsset('linux', 'ia32')).toBe('yt-dlp');
  });

  it('reads the exact asset line of a sha256sum list (text or binary mode), not a look-alike name', () => {
    const a = 'a'.repeat(64);
    const b = 'B'.repeat(64);
    const list = `${a}  yt-dlp_linux.zip\n${a}  yt-dlp_linux_aarch64\r\n${b} *yt-dlp_linux\n`;
    expect(sumFor(list, 'yt-dlp_linux')).toBe('b'.repeat(64));
    expect(sumFor(list, 'yt-dlp')).toBeNull();
    expect(sumFor(`${a}  yt-dlp_linux.zip\n`, 'yt-dlp_linux')).toBeNull();
  });
});

describe('ytdlp update', () => {
  it('fetches the release into the data folder, switches to it, and downloads still work through it', async () => {
    const { engine, managed, files } = await setup();
    const before = await engine.call('ytdlp.status', {});
    expect(before).toMatchObject({ managed: null, previous: null, overriddenBy: null });
    expect(before.path).toBe(which('yt-dlp'));

    const res = await engine.call('ytdlp.update', {});
    expect(res).toMatchObject({ updated: true, path: managed, version: '2026.11.20', managed: { path: managed, version: '2026.11.20' }, previous: null });
    expect(fs.readFileSync(managed)).toEqual(release.binary());
    expect(fs.statSync(managed).mode & 0o777).toBe(0o755);
    expect(files()).toEqual([`yt-dlp${exe}`]);
    expect(release.requests).toEqual([`/latest/download/SHA2-256SUMS`, `/latest/download/${release.asset}`]);

    const info = await engine.call('system.info', {});
    expect(info.binaries.find((b) => b.name === 'yt-dlp')).toMatchObject({ path: managed, version: '2026.11.20', origin: 'bundled', error: null });
    expect(await engine.call('ytdlp.status', {})).toMatchObject({ path: managed, version: '2026.11.20', overriddenBy: null });

    const [job] = await download(engine, [server.url('/page/one.html')]);
    expect(job!.state).toBe('completed');
    expect(release.invocations().some((l) => l.startsWith('2026.11.20 ') && l.includes(server.url('/page/one.html')))).toBe(true);
  });

  it('follows redirects to another path, like GitHub to its download host', async () => {
    const { engine, managed } = await setup();
    release.scenario = 'redirect';
    const res = await engine.call('ytdlp.update', {});
    expect(res).toMatchObject({ updated: true, managed: { path: managed, version: '2026.11.20' } });
    expect(release.hits('/download/2026.11.20/')).toBe(2);
    expect(release.hits('/objects/')).toBe(2);
  });

  it('changes nothing when the newest release is already installed', async () => {
    const { engine, managed, files } = await setup();
    await engine.call('ytdlp.update', {});
    const mtime = fs.statSync(managed).mtimeMs;
    const again = await engine.call('ytdlp.update', {});
    expect(again).toMatchObject({ updated: false, path: managed, version: '2026.11.20', previous: null });
    // the checksum list is enough to tell: the binary is not fetched again
    expect(release.hits(`/latest/download/${release.asset}`)).toBe(1);
    expect(fs.statSync(managed).mtimeMs).toBe(mtime);
    expect(files()).toEqual([`yt-dlp${exe}`]);
  });

  it('keeps the copy before a newer release, and rollback swaps back and forth', async () => {
    const { engine, managed, previous, files } = await setup();
    await engine.call('ytdlp.update', {});
    const first = release.binary();
    release.publish('2026.12.01');
    const bumped = await engine.call('ytdlp.update', {});
    expect(bumped).toMatchObject({
      updated: true,
      path: managed,
      version: '2026.12.01',
      managed: { path: managed, version: '2026.12.01' },
      previous: { path: previous, version: '2026.11.20' },
    });
    expect(fs.readFileSync(previous)).toEqual(first);
    expect(files()).toEqual([`yt-dlp.previous${exe}`, `yt-dlp${exe}`].sort());

    const back = await engine.call('ytdlp.rollback', {});
    expect(back).toMatchObject({ path: managed, version: '2026.11.20', managed: { version: '2026.11.20' }, previous: { version: '2026.12.01' } });
    expect(fs.readFileSync(managed)).toEqual(first);
    // the engine sees the swapped file at the same path, not a cached answer about the one before
    const info = await engine.call('system.info', {});
    expect(info.binaries.find((b) => b.name === 'yt-dlp')).toMatchObject({ path: managed, version: '2026.11.20' });
    const [job] = await download(engine, [server.url('/page/one.html')]);
    expect(job!.state).toBe('completed');
    expect(release.invocations().at(-1)).toMatch(/^2026\.11\.20 /);

    const forth = await engine.call('ytdlp.rollback', {});
    expect(forth).toMatchObject({ version: '2026.12.01', previous: { version: '2026.11.20' } });
    expect(files()).toEqual([`yt-dlp.previous${exe}`, `yt-dlp${exe}`].sort());
  });

  it('refuses a rollback when there is no previous copy', async () => {
    const { engine } = await setup();
    await expect(engine.call('ytdlp.rollback', {})).rejects.toMatchObject({ code: 'ERR_BAD_STATE', message: expect.stringMatching(/no previous yt-dlp to roll back to/) });
    await engine.call('ytdlp.update', {});
    await expect(engine.call('ytdlp.rollback', {})).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
  });

  it.each([
    ['corrupt', 'ERR_VALIDATION', /does not match its SHA-256 in the release's SHA2-256SUMS.*current yt-dlp is unchanged/],
    ['sums-missing', 'ERR_VALIDATION', /SHA2-256SUMS .* has no line for \S+, so it cannot be verified/],
    ['bad-version', 'ERR_VALIDATION', /did not run on this computer \(`--version` exited with 1: ImportError.*current yt-dlp is unchanged/],
    ['not-found', 'ERR_NOT_FOUND', /answered 404.*check the yt-dlp release address in Settings/],
  ] as const)('refuses a %s release and keeps the current yt-dlp, leaving no temp files', async (scenario, code, message) => {
    const { engine, managed, files } = await setup();
    await engine.call('ytdlp.update', {});
    const current = fs.readFileSync(managed);
    release.publish('2026.12.01');
    release.scenario = scenario;
    release.requests.length = 0;
    await expect(engine.call('ytdlp.update', {})).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(fs.readFileSync(managed)).toEqual(current);
    expect(files()).toEqual([`yt-dlp${exe}`]);
    expect(await engine.call('ytdlp.status', {})).toMatchObject({ version: '2026.11.20', previous: null });
    // an unverifiable release is not even downloaded
    if (scenario === 'sums-missing') expect(release.hits(`/latest/download/${release.asset}`)).toBe(0);
  });

  it('is offered when no yt-dlp is found at all, and fetches one that jobs then use', async () => {
    // PATH holds ffmpeg and ffprobe but no yt-dlp; the fetched copy still runs the real one by its full path
    const tools = tempDir('tools');
    temps.push(tools);
    for (const t of ['ffmpeg', 'ffprobe']) fs.symlinkSync(which(t), path.join(tools, t));
    const { engine, managed } = await setup({ env: cleanEnv({ PATH: tools }) });
    const link = server.url('/page/one.html');
    await expect(engine.call('jobs.add', { urls: [link] })).rejects.toMatchObject({
      code: 'ERR_BINARY_MISSING',
      message: expect.stringMatching(/yt-dlp was not found\..*run `clipharbor ytdlp update` \(Settings → yt-dlp → Update\) to fetch it/),
    });
    expect(await engine.call('ytdlp.status', {})).toMatchObject({ path: null, version: null, managed: null });

    expect(await engine.call('ytdlp.update', {})).toMatchObject({ updated: true, path: managed, version: '2026.11.20' });
    const [job] = await download(engine, [link]);
    expect(job!.state).toBe('completed');
    expect(release.invocations().some((l) => l.includes(link))).toBe(true);
  });

  it('is refused while a download runs, and works once it is stopped', async () => {
    const { engine, managed } = await setup();
    const { jobs } = await engine.call('jobs.add', { urls: [server.url('/slow/200000/v/big.mp4')] });
    await engine.start();
    await waitFor(() => ['resolving', 'downloading'].includes(engine.jobs.require(jobs[0]!.id).state), 20_000, 'the download to start');
    for (const method of ['ytdlp.update', 'ytdlp.rollback'] as const) {
      await expect(engine.call(method, {})).rejects.toMatchObject({ code: 'ERR_BAD_STATE', message: expect.stringMatching(/pause them/) });
    }
    expect(release.requests).toEqual([]);
    await engine.call('jobs.pause', { id: jobs[0]!.id });
    expect(await engine.call('ytdlp.update', {})).toMatchObject({ updated: true, path: managed });
  });

  it('says when a yt-dlp path in Settings wins over the fetched copy', async () => {
    const system = which('yt-dlp');
    const { engine, managed } = await setup({ overrides: { ytdlpPath: system } });
    const res = await engine.call('ytdlp.update', {});
    expect(res).toMatchObject({ updated: true, path: system, managed: { path: managed, version: '2026.11.20' } });
    expect((await engine.ytdlp.status()).overriddenBy).toMatch(/yt-dlp path in Settings \(.*\).*not used; clear the yt-dlp path in Settings/);
  });

  it('runs one update at a time, stops on cancel without leaving files, and sweeps leftovers of a killed run', async () => {
    const { engine, bin, files } = await setup();
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, '.yt-dlp-download-deadbeef'), 'partial');
    release.scenario = 'slow';
    release.slowDelayMs = 200;
    const abort = new AbortController();
    const first = engine.ytdlp.update(abort.signal);
    const downloading = () => files().filter((n) => n.startsWith('.yt-dlp-download-') && n !== '.yt-dlp-download-deadbeef');
    await waitFor(() => downloading().length > 0, 20_000, 'the binary download to start');
    await expect(engine.call('ytdlp.update', {})).rejects.toMatchObject({ code: 'ERR_BAD_STATE', message: expect.stringMatching(/already running/) });
    expect(files()).toEqual(downloading());
    abort.abort();
    await expect(first).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    expect(files()).toEqual([]);
  });

  it('refuses a download larger than the size cap', async () => {
    const { engine, dataDir, files } = await setup();
    const small = new YtdlpUpdater({
      dataDir,
      binaries: engine.binaries,
      settings: () => engine.settings,
      log: engine.log,
      now: Date.now,
      assertIdle: () => undefined,
      maxBytes: 100,
    });
    await expect(small.update()).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
    expect(files()).toEqual([]);
  });
});

describe('clipharbor ytdlp (built CLI)', () => {
  const cli = (args: string[], timeoutMs = 30_000): Promise<RunResult> => runCli(args, { timeoutMs });

  /** A data folder whose saved settings point at the fake release. */
  async function dataDirFor(url: string): Promise<string> {
    const dir = tempDir('data');
    temps.push(dir);
    const e = createEngine({ dataDir: dir, env: cleanEnv() });
    await e.call('settings.update', { ytdlpReleaseUrl: url });
    await e.stop();
    return dir;
  }

  it('updates, reports status, rolls back, and explains refusals with exit codes', async () => {
    release = await startFakeRelease();
    const data = await dataDirFor(release.baseUrl);
    const managed = path.join(data, 'bin', `yt-dlp${exe}`);

    const noPrevious = await cli(['ytdlp', 'rollback', '--data', data]);
    expect(noPrevious.code, noPrevious.stderr).toBe(1);
    expect(noPrevious.stderr).toMatch(/^clipharbor: ERR_BAD_STATE: There is no previous yt-dlp to roll back to\.$/m);

    const up = await cli(['ytdlp', 'update', '--data', data]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`Fetched ${release.asset} from ${release.baseUrl} and verified it`);
    expect(up.stdout).toMatch(/yt-dlp \d{4}\.\d{2}\.\d{2}.* → 2026\.11\.20, now at /);
    expect(up.stdout).toContain(managed);

    const same = await cli(['ytdlp', 'update', '--data', data]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/2026\.11\.20 at .* is already the newest release/);

    release.publish('2026.12.01');
    const bump = await cli(['ytdlp', 'update', '--data', data, '--json']);
    expect(bump.code, bump.stderr).toBe(0);
    expect(JSON.parse(bump.stdout)).toMatchObject({ updated: true, version: '2026.12.01', previous: { version: '2026.11.20' } });

    const status = await cli(['ytdlp', 'status', '--data', data]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`yt-dlp in use: 2026.12.01 at ${managed} (fetched by ClipHarbor)`);
    expect(status.stdout).toMatch(/Previous copy: 2026\.11\.20 at .*clipharbor ytdlp rollback/);

    const back = await cli(['ytdlp', 'rollback', '--data', data]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(`Rolled back: yt-dlp 2026.12.01 → 2026.11.20 at ${managed}.`);

    release.publish('2027.01.01');
    release.scenario = 'corrupt';
    const bad = await cli(['ytdlp', 'update', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`clipharbor: ERR_VALIDATION: The downloaded ${release.asset} does not match its SHA-256`);
    const after = await cli(['ytdlp', 'status', '--data', data, '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ version: '2026.11.20', previous: { version: '2026.12.01' } });

    const usage = await cli(['ytdlp', 'upgrade', '--data', data]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/ytdlp needs a subcommand: update, rollback, status \(got "upgrade"\)/);
  }, 120_000);
});
