/**
 * A fake yt-dlp release download, answering like GitHub's `releases/latest/download/<asset>`: the binary for each
 * platform and `SHA2-256SUMS` (`<sha256 hex>  <asset name>` per line, one line per published asset).
 *
 * The "binary" is a small POSIX shell script (so these tests run on Linux and macOS): `--version` prints the
 * release's version; anything else is logged to a file (so a test can tell which copy a download used) and handed
 * to the real yt-dlp on this machine, found on PATH when the fake starts, so downloads through it still work.
 *
 * Base URL: `<origin>/latest/download`. Scenarios (settable at any time):
 *   good           the asset and its sums line, 200 each
 *   corrupt        the sums line is the genuine binary's, the body is a tampered copy (same length)
 *   sums-missing   SHA2-256SUMS lists every other asset (also look-alikes such as yt-dlp_linux.zip) but not this one
 *   bad-version    a binary whose `--version` fails (exit 1, a Python-like traceback on stderr), correctly summed
 *   not-found      404 "Not Found" for everything, like a wrong release address
 *   slow           the good release, the binary sent in small pieces with pauses (`slowChunkBytes` every `slowDelayMs`)
 *   redirect       the good release behind GitHub's two hops: 302 to /download/<tag>/<name>, then 302 to a
 *                  signed one-off URL under /objects/ that serves the file
 * `publish(version)` puts out a new good release (the version bump); earlier ones are no longer served.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { releaseAsset } from '../../src/main/engine/ytdlp-update';

export type ReleaseScenario = 'good' | 'corrupt' | 'sums-missing' | 'bad-version' | 'not-found' | 'slow' | 'redirect';

/** Every asset a real release lists in SHA2-256SUMS, including names that start like the platform ones. */
const ALL_ASSETS = [
  'yt-dlp',
  'yt-dlp.exe',
  'yt-dlp.tar.gz',
  'yt-dlp_arm64.exe',
  'yt-dlp_linux',
  'yt-dlp_linux.zip',
  'yt-dlp_linux_aarch64',
  'yt-dlp_linux_aarch64.zip',
  'yt-dlp_linux_armv7l',
  'yt-dlp_macos',
  'yt-dlp_macos.zip',
  'yt-dlp_macos_legacy',
  'yt-dlp_musllinux',
  'yt-dlp_win.zip',
  'yt-dlp_x86.exe',
];

export interface FakeRelease {
  /** `<origin>/latest/download`: what the `ytdlpReleaseUrl` setting takes. */
  baseUrl: string;
  /** This platform's asset name. */
  asset: string;
  scenario: ReleaseScenario;
  /** Version of the release being served. */
  readonly version: string;
  /** The bytes of the current good binary and their SHA-256. */
  binary(): Buffer;
  sha256(): string;
  /** Serves a new good release from now on. */
  publish(version: string): void;
  slowChunkBytes: number;
  slowDelayMs: number;
  /** Requests received (paths), in order. */
  requests: string[];
  hits(pathPrefix: string): number;
  /** Argument lines the served binaries passed on to the real yt-dlp, each `<version> <args…>`. */
  invocations(): string[];
  close(): Promise<void>;
}

/** Where the real yt-dlp is, like `command -v yt-dlp`. */
function findRealYtdlp(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'yt-dlp');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  throw new Error('the fake yt-dlp release needs a real yt-dlp on PATH (apt install yt-dlp)');
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function goodBinary(version: string, real: string, logFile: string): Buffer {
  return Buffer.from(
    [
      '#!/bin/sh',
      `# ClipHarbor test stand-in for the yt-dlp ${version} release`,
      'for a in "$@"; do',
      `  if [ "$a" = "--version" ]; then echo ${version}; exit 0; fi`,
      'done',
      `printf '%s\\n' "${version} $*" >> ${shQuote(logFile)}`,
      `exec ${shQuote(real)} "$@"`,
      '',
    ].join('\n'),
  );
}

function brokenBinary(version: string): Buffer {
  return Buffer.from(
    [
      '#!/bin/sh',
      `# a yt-dlp ${version} build that cannot start`,
      'echo "Traceback (most recent call last):" >&2',
      'echo "ImportError: cannot import name \'main\' from \'yt_dlp\'" >&2',
      'exit 1',
      '',
    ].join('\n'),
  );
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function startFakeRelease(opts: { version?: string } = {}): Promise<FakeRelease> {
  const real = findRealYtdlp();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-fake-release-'));
  const logFile = path.join(logDir, 'invocations.log');
  const asset = releaseAsset();
  let version = opts.version ?? '2026.11.20';
  let good = goodBinary(version, real, logFile);
  let signed = 0;

  const sums = (scenario: ReleaseScenario): string => {
    const own = scenario === 'bad-version' ? brokenBinary(version) : good;
    return ALL_ASSETS.concat(ALL_ASSETS.includes(asset) ? [] : [asset])
      .filter((name) => !(scenario === 'sums-missing' && name === asset))
      .map((name) => `${name === asset ? sha256(own) : sha256(Buffer.from(`${name} ${version}`))}  ${name}\n`)
      .join('');
  };

  const body = (name: string, scenario: ReleaseScenario): Buffer | null => {
    if (name === 'SHA2-256SUMS') return Buffer.from(sums(scenario));
    if (name !== asset) return null;
    if (scenario === 'bad-version') return brokenBinary(version);
    if (scenario === 'corrupt') {
      const tampered = Buffer.from(good);
      const at = tampered.length - 2;
      tampered[at] = tampered[at]! ^ 0x20;
      return tampered;
    }
    return good;
  };

  const sockets = new Set<Socket>();
  const fake: FakeRelease = {
    baseUrl: '',
    asset,
    scenario: 'good',
    get version() {
      return version;
    },
    binary: () => good,
    sha256: () => sha256(good),
    publish(next) {
      version = next;
      good = goodBinary(next, real, logFile);
    },
    slowChunkBytes: 16,
    slowDelayMs: 50,
    requests: [],
    hits: (prefix) => fake.requests.filter((p) => p.startsWith(prefix)).length,
    invocations: () => {
      try {
        return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          fs.rmSync(logDir, { recursive: true, force: true });
          resolve();
        });
      }),
  };

  const send = (res: http.ServerResponse, data: Buffer, isSums: boolean) => {
    res.writeHead(200, { 'content-type': isSums ? 'text/plain; charset=utf-8' : 'application/octet-stream', 'content-length': data.length });
    if (fake.scenario !== 'slow' || isSums) {
      res.end(data);
      return;
    }
    let at = 0;
    const step = () => {
      if (res.destroyed) return;
      res.write(data.subarray(at, at + fake.slowChunkBytes));
      at += fake.slowChunkBytes;
      if (at >= data.length) res.end();
      else setTimeout(step, fake.slowDelayMs);
    };
    step();
  };

  const notFound = (res: http.ServerResponse) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not Found');
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.requests.push(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const scenario = fake.scenario;
    if (scenario === 'not-found') return notFound(res);
    const latest = /^\/latest\/download\/([^/]+)$/.exec(url.pathname);
    const tagged = /^\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const object = /^\/objects\/\d+\/([^/]+)$/.exec(url.pathname);
    if (scenario === 'redirect' && latest) {
      res.writeHead(302, { location: `/download/${version}/${latest[1]}` }).end();
      return;
    }
    if (scenario === 'redirect' && tagged) {
      if (tagged[1] !== version) return notFound(res);
      // like objects.githubusercontent.com: a one-off signed address on another path
      res.writeHead(302, { location: `/objects/${++signed}/${tagged[2]}?X-Amz-Signature=${sha256(Buffer.from(String(signed)))}` }).end();
      return;
    }
    const name = scenario === 'redirect' ? object?.[1] : latest?.[1];
    const data = name ? body(decodeURIComponent(name), scenario) : null;
    if (!data) return notFound(res);
    send(res, data, name === 'SHA2-256SUMS');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  fake.baseUrl = `http://127.0.0.1:${port}/latest/download`;
  return fake;
}
