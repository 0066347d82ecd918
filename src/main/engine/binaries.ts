import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '../../shared/errors';

const run = promisify(execFile);

export type BinaryName = 'yt-dlp' | 'ffmpeg' | 'ffprobe';
export type BinaryOrigin = 'setting' | 'env' | 'bundled' | 'path';

export interface BinaryInfo {
  name: BinaryName;
  path: string | null;
  origin: BinaryOrigin | null;
  version: string | null;
  error: string | null;
}

export interface BinarySources {
  /** Paths from saved settings (empty string = not set). */
  settings: Partial<Record<BinaryName, string>>;
  env: NodeJS.ProcessEnv;
  /** Folders holding binaries shipped with the app or fetched into app data, searched in order. */
  bundledDirs: string[];
}

const ENV_VARS: Record<BinaryName, string> = { 'yt-dlp': 'YTDLP_PATH', ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };

const INSTALL_HINT: Record<BinaryName, string> = {
  'yt-dlp':
    'Install yt-dlp (Debian/Ubuntu: apt install yt-dlp; macOS: brew install yt-dlp; Windows: winget install yt-dlp), set its path in Settings or YTDLP_PATH, or run `clipharbor ytdlp update` (Settings → yt-dlp → Update) to fetch it.',
  ffmpeg: 'Install ffmpeg (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set its path in Settings or FFMPEG_PATH.',
  ffprobe: 'Install ffmpeg, which includes ffprobe (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg) or set its path in Settings or FFPROBE_PATH.',
};

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe(name));
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** setting → env → bundled/app data → PATH. An explicitly configured path that is unusable is an error, not a fall-through. */
export function locateBinary(name: BinaryName, sources: BinarySources): Omit<BinaryInfo, 'version'> {
  const explicit: Array<[BinaryOrigin, string | undefined, string]> = [
    ['setting', sources.settings[name], `the ${name} path in Settings`],
    ['env', sources.env[ENV_VARS[name]], ENV_VARS[name]],
  ];
  for (const [origin, value, label] of explicit) {
    if (!value) continue;
    if (isExecutable(value)) return { name, path: value, origin, error: null };
    return { name, path: null, origin, error: `${name} was not found at ${value} (set by ${label}). ${INSTALL_HINT[name]}` };
  }
  for (const dir of sources.bundledDirs) {
    const candidate = path.join(dir, exe(name));
    if (isExecutable(candidate)) return { name, path: candidate, origin: 'bundled', error: null };
  }
  const found = onPath(name, sources.env);
  if (found) return { name, path: found, origin: 'path', error: null };
  return { name, path: null, origin: null, error: `${name} was not found. ${INSTALL_HINT[name]}` };
}

export interface YtdlpFeatures {
  /** `--js-runtimes` (2025.11+): lets us hand yt-dlp our own Node for YouTube's JavaScript challenges. */
  jsRuntimes: boolean;
  /** `--color` replaced `--no-colors` in 2023.11. */
  colorOption: boolean;
}

export class Binaries {
  private readonly located = new Map<BinaryName, Omit<BinaryInfo, 'version'>>();
  private readonly versions = new Map<string, Promise<string | null>>();
  private readonly features = new Map<string, Promise<YtdlpFeatures>>();

  constructor(private sources: BinarySources) {}

  setSources(sources: BinarySources): void {
    this.sources = sources;
    this.located.clear();
  }

  /** Forgets everything learned about the binaries: a file at a known path was replaced (yt-dlp update, rollback). */
  refresh(): void {
    this.located.clear();
    this.versions.clear();
    this.features.clear();
  }

  locate(name: BinaryName): Omit<BinaryInfo, 'version'> {
    let hit = this.located.get(name);
    if (!hit) {
      hit = locateBinary(name, this.sources);
      this.located.set(name, hit);
    }
    return hit;
  }

  /** The binary's path, or a clear ERR_BINARY_MISSING naming what to install. */
  require(name: BinaryName): string {
    const hit = this.locate(name);
    if (!hit.path) throw new AppError('ERR_BINARY_MISSING', hit.error ?? `${name} was not found.`);
    return hit.path;
  }

  async info(name: BinaryName): Promise<BinaryInfo> {
    const hit = this.locate(name);
    const version = hit.path ? await this.version(name, hit.path) : null;
    return { ...hit, version, error: hit.error ?? (hit.path && !version ? `${hit.path} did not report a version.` : null) };
  }

  private version(name: BinaryName, file: string): Promise<string | null> {
    let v = this.versions.get(file);
    if (!v) {
      v = run(file, name === 'yt-dlp' ? ['--version'] : ['-version'], { timeout: 15_000 })
        .then(({ stdout }) => parseVersion(name, stdout))
        .catch(() => null);
      this.versions.set(file, v);
    }
    return v;
  }

  ytdlpFeatures(): Promise<YtdlpFeatures> {
    const file = this.require('yt-dlp');
    let f = this.features.get(file);
    if (!f) {
      f = run(file, ['--help'], { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 })
        .then(({ stdout }) => ({ jsRuntimes: stdout.includes('--js-runtimes'), colorOption: /\s--color\s/.test(stdout) }))
        .catch(() => ({ jsRuntimes: false, colorOption: false }));
      this.features.set(file, f);
    }
    return f;
  }
}

export function parseVersion(name: BinaryName, stdout: string): string | null {
  const first = stdout.trim().split('\n')[0]?.trim() ?? '';
  if (name === 'yt-dlp') return /^\d{4}\.\d{2}\.\d{2}/.test(first) ? first : null;
  const m = first.match(/version\s+(\S+)/);
  return m?.[1] ?? null;
}
