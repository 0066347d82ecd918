// Downloads yt-dlp, ffmpeg and ffprobe for one target into resources/bin/<os>-<arch>, where electron-builder.yml
// picks them up (extraResources → <resources>/bin, searched by the engine before PATH). Needs the internet.
//
//   node scripts/fetch-binaries.mjs [--os linux|mac|win] [--arch x64|arm64] [--force]
//
// Defaults to this machine. A folder that already holds all three binaries is left alone unless --force, so a
// packaging run can be repeated offline.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const YTDLP_REPO = 'https://github.com/yt-dlp/yt-dlp';
const BTBN = 'https://github.com/BtbN/FFmpeg-Builds/releases/download/latest';
const RIEDL = 'https://ffmpeg.martin-riedl.de/redirect/latest/macos';

// yt-dlp's standalone builds (no Python needed); the macOS one is universal.
const YTDLP_ASSET = {
  'linux-x64': 'yt-dlp_linux',
  'linux-arm64': 'yt-dlp_linux_aarch64',
  'mac-x64': 'yt-dlp_macos',
  'mac-arm64': 'yt-dlp_macos',
  'win-x64': 'yt-dlp.exe',
  'win-arm64': 'yt-dlp_arm64.exe',
};
// Static builds: BtbN's for Linux and Windows (with a published checksum list), Martin Riedl's for macOS.
const BTBN_PLATFORM = { 'linux-x64': 'linux64', 'linux-arm64': 'linuxarm64', 'win-x64': 'win64', 'win-arm64': 'winarm64' };
const RIEDL_ARCH = { 'mac-x64': 'amd64', 'mac-arm64': 'arm64' };

class FetchError extends Error {}

function fail(message) {
  console.error(`fetch-binaries: ${message}`);
  process.exitCode = 1;
}

function target() {
  const { values } = parseArgs({
    options: { os: { type: 'string' }, arch: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const hostOs = { linux: 'linux', darwin: 'mac', win32: 'win' }[process.platform];
  const os = values.os ?? hostOs;
  const arch = values.arch ?? process.arch;
  const key = `${os}-${arch}`;
  if (!(key in YTDLP_ASSET)) {
    fail(`no binaries for ${key}: --os is one of linux, mac, win and --arch one of x64, arm64 (electron-builder's names).`);
    process.exit();
  }
  return { os, arch, key, force: values.force, native: os === hostOs && arch === process.arch };
}

async function download(url) {
  let res;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new FetchError(`cannot reach ${url} (${err.cause?.code ?? err.message}). This step needs internet access.`);
  }
  if (!res.ok) throw new FetchError(`${url} answered HTTP ${res.status}.`);
  return Buffer.from(await res.arrayBuffer());
}

/** The tag GitHub's /releases/latest redirects to, so the binary and its checksum list come from one release. */
async function latestTag(repo) {
  const res = await fetch(`${repo}/releases/latest`, { redirect: 'manual' }).catch((err) => {
    throw new FetchError(`cannot reach ${repo} (${err.cause?.code ?? err.message}). This step needs internet access.`);
  });
  const tag = /\/releases\/tag\/([^/?#]+)$/.exec(res.headers.get('location') ?? '')?.[1];
  if (!tag) throw new FetchError(`cannot tell the latest release of ${repo} (HTTP ${res.status}, no redirect to a tag).`);
  return decodeURIComponent(tag);
}

/** Checks data against a `sha256  name` list as published next to the yt-dlp and BtbN releases. */
function verify(data, name, sums) {
  const line = sums.split('\n').find((l) => l.trim().split(/\s+\*?/)[1] === name);
  if (!line) throw new FetchError(`${name} is not listed in the release's checksums.`);
  const expected = line.trim().split(/\s+/)[0].toLowerCase();
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== expected) throw new FetchError(`${name}: SHA-256 ${actual} does not match the published ${expected}.`);
}

function extract(archive, into) {
  // bsdtar (macOS, Windows 10+) reads zip as well; GNU tar on Linux does not.
  const zipOnLinux = archive.endsWith('.zip') && process.platform === 'linux';
  const [cmd, args] = zipOnLinux ? ['unzip', ['-q', '-o', archive, '-d', into]] : ['tar', ['-xf', archive, '-C', into]];
  const run = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.error) throw new FetchError(`cannot run ${cmd} to unpack ${archive}: ${run.error.message}`);
  if (run.status !== 0) throw new FetchError(`${cmd} could not unpack ${archive}: ${run.stderr.trim()}`);
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.name === name) return path;
  }
  return null;
}

/** Copied (the work folder may be on another file system) under a temporary name, so a binary is whole or absent. */
function install(from, to) {
  const part = `${to}.part`;
  copyFileSync(from, part);
  chmodSync(part, 0o755);
  renameSync(part, to);
}

async function fetchYtdlp(t, outDir, exe, work) {
  const tag = await latestTag(YTDLP_REPO);
  const asset = YTDLP_ASSET[t.key];
  const base = `${YTDLP_REPO}/releases/download/${tag}`;
  console.log(`yt-dlp ${tag}: ${asset}`);
  const [data, sums] = await Promise.all([download(`${base}/${asset}`), download(`${base}/SHA2-256SUMS`)]);
  verify(data, asset, sums.toString('utf8'));
  const file = join(work, asset);
  writeFileSync(file, data);
  install(file, join(outDir, exe('yt-dlp')));
}

async function fetchFfmpeg(t, outDir, exe, work) {
  const archives = [];
  if (t.os === 'mac') {
    for (const tool of ['ffmpeg', 'ffprobe']) {
      const url = `${RIEDL}/${RIEDL_ARCH[t.key]}/release/${tool}.zip`;
      console.log(`${tool}: ${url}`);
      // Martin Riedl publishes no checksum list next to the redirect; the download is over HTTPS from the builder.
      archives.push({ name: `${tool}.zip`, data: await download(url) });
    }
  } else {
    const name = `ffmpeg-master-latest-${BTBN_PLATFORM[t.key]}-gpl.${t.os === 'win' ? 'zip' : 'tar.xz'}`;
    console.log(`ffmpeg + ffprobe: ${BTBN}/${name}`);
    const [data, sums] = await Promise.all([download(`${BTBN}/${name}`), download(`${BTBN}/checksums.sha256`)]);
    verify(data, name, sums.toString('utf8'));
    archives.push({ name, data });
  }
  for (const { name, data } of archives) {
    const file = join(work, name);
    writeFileSync(file, data);
    extract(file, work);
  }
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const found = findFile(work, exe(tool));
    if (!found) throw new FetchError(`the downloaded archive holds no ${exe(tool)}.`);
    install(found, join(outDir, exe(tool)));
  }
}

function report(t, outDir, exe) {
  for (const tool of ['yt-dlp', 'ffmpeg', 'ffprobe']) {
    const file = join(outDir, exe(tool));
    const size = `${(statSync(file).size / 1e6).toFixed(1)} MB`;
    if (!t.native) {
      console.log(`  ${file} (${size}; built for ${t.key}, not run here)`);
      continue;
    }
    const run = spawnSync(file, [tool === 'yt-dlp' ? '--version' : '-version'], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new FetchError(`${file} does not run on this machine: ${run.error?.message ?? run.stderr.trim()}`);
    console.log(`  ${file} (${size}): ${run.stdout.split('\n')[0]}`);
  }
}

const t = target();
const exe = (name) => (t.os === 'win' ? `${name}.exe` : name);
const outDir = join(projectDir, 'resources', 'bin', t.key);
if (!t.force && ['yt-dlp', 'ffmpeg', 'ffprobe'].every((tool) => existsSync(join(outDir, exe(tool))))) {
  console.log(`fetch-binaries: ${outDir} already holds yt-dlp, ffmpeg and ffprobe (--force to download again).`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'clipharbor-binaries-'));
try {
  await fetchYtdlp(t, outDir, exe, work);
  await fetchFfmpeg(t, outDir, exe, work);
  report(t, outDir, exe);
} catch (err) {
  if (!(err instanceof FetchError)) throw err;
  fail(`${err.message}\nTo package without this download, put ${['yt-dlp', 'ffmpeg', 'ffprobe'].map(exe).join(', ')} in ${outDir} by hand.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
