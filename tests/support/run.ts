import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
/** The built CLI: `npm test` builds first; run `npx electron-vite build` after changing src/ when running one file. */
export const CLI = path.join(ROOT, 'out/main/cli.js');
/** Vitest itself runs on the project's Node 22; the system node (20) cannot load better-sqlite3 for this build. */
export const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');

/** The test runner's environment without anything that could point the CLI at the user's data, library, binaries or keys. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['CLIPHARBOR_DATA', 'CLIPHARBOR_LIBRARY', 'CLIPHARBOR_TOKEN', 'YTDLP_PATH', 'FFMPEG_PATH', 'FFPROBE_PATH', 'NODE_OPTIONS']) delete env[k];
  for (const k of ['APIFY_TOKEN', 'HUNTAPI_TOKEN', 'HUNTAPI_KEY', 'PEXELS_API_KEY', 'PIXABAY_API_KEY']) delete env[k];
  env.PATH = `/usr/bin:/bin:${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program (yt-dlp, ffprobe, mount…) with an argument array, never a shell; SIGKILL after timeoutMs. */
export function runTool(cmd: string, args: string[], timeoutMs = 20_000, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
}

/** Runs the built CLI to its end with a clean environment plus `env`; SIGKILL after timeoutMs. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return runTool(NODE, [CLI, ...args], opts.timeoutMs ?? 30_000, { env: cleanEnv(opts.env), cwd: ROOT });
}
