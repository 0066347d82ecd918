import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Called for each complete stdout line; when set, stdout is not accumulated. */
  onStdoutLine?: (line: string) => void;
  onSpawn?: (child: ChildProcess) => void;
  /** Keep at most this many bytes of stderr (the tail matters for errors). */
  maxStderr?: number;
  maxStdout?: number;
}

/**
 * Runs a program with an argument array (never a shell). On POSIX the child leads its own process group, so
 * aborting stops it and everything it started (yt-dlp's ffmpeg) together.
 */
export function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
        shell: false,
      });
    } catch (err) {
      reject(err);
      return;
    }
    const maxErr = opts.maxStderr ?? 64 * 1024;
    const maxOut = opts.maxStdout ?? 64 * 1024 * 1024;
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (!opts.onStdoutLine) {
        if (stdout.length < maxOut) stdout += chunk;
        return;
      }
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        opts.onStdoutLine(line);
      }
    });
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > maxErr * 2) stderr = stderr.slice(-maxErr);
    });
    const onAbort = () => killTree(child.pid);
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    child.once('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('spawn', () => opts.onSpawn?.(child));
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (pending && opts.onStdoutLine) opts.onStdoutLine(pending);
      resolve({ code, signal, stdout, stderr: stderr.slice(-maxErr) });
    });
  });
}

/** Stops a process and its group: SIGTERM, then SIGKILL if it is still there after a grace period. */
export function killTree(pid: number | undefined, graceMs = 3000): void {
  if (!pid) return;
  if (process.platform === 'win32') {
    execFile('taskkill', ['/pid', String(pid), '/T', '/F'], () => undefined);
    return;
  }
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  send('SIGTERM');
  const timer = setTimeout(() => {
    if (isAlive(pid)) send('SIGKILL');
  }, graceMs);
  timer.unref();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A process left behind by a crashed run, still writing into `marker` (its staging folder)?
 * Only a process whose command line names that folder counts, so a recycled pid is never touched.
 */
export function isOrphanWorker(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/** Kills an orphaned worker's whole group and waits (bounded) until it is gone. */
export async function reapOrphan(pid: number): Promise<void> {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
  }
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}
