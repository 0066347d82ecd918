// Child processes for the benchmark: argument arrays only (never a shell), wall time, and the CPU time of the
// whole process tree (Linux: cutime + cstime of this process, which grow when a child and everything it
// waited for is reaped). Every child leads its own process group so an interrupted bench can stop it all.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const active = new Set();

let ticksPerSec = null;
function clockTicks() {
  if (ticksPerSec === null) {
    try {
      ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSec = 100;
    }
  }
  return ticksPerSec;
}

/** CPU ms used by reaped children (and their reaped descendants) so far; null where /proc is missing. */
export function childrenCpuMs() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // fields after the command name "(…)": state is field 3, cutime field 16, cstime field 17
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[13]) + Number(rest[14])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** CPU ms all CPUs spent busy so far (Linux /proc/stat: user+nice+system+irq+softirq+steal); null elsewhere. */
function systemBusyMs() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal = 0] = f;
    return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** A point in time for `othersCpuMs`. */
export function cpuSnapshot() {
  return { busy: systemBusyMs(), children: childrenCpuMs(), self: selfCpuMs() };
}

/**
 * CPU time other processes on the machine used between two snapshots: all busy CPU time minus what this process
 * and its (reaped) children used. Shows when a measurement had to share the CPUs. Null where /proc is missing.
 */
export function othersCpuMs(a, b) {
  if ([a.busy, b.busy, a.children, b.children].some((v) => v === null)) return null;
  return Math.max(0, b.busy - a.busy - (b.children - a.children) - (b.self - a.self));
}

/** CPU ms of this process itself (user + system). */
export function selfCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `file args` and resolves when it has exited: { code, signal, wallMs, cpuMs, stdout, stderr }.
 * Only one run at a time may be measured (cpuMs is a process-wide counter).
 */
export function run(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const startedAt = Date.now();
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    active.add(child);
    const out = [];
    let err = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    child.on('error', (e) => {
      active.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      active.delete(child);
      const wallMs = performance.now() - t0;
      const cpu1 = childrenCpuMs();
      resolve({
        code,
        signal,
        startedAt,
        endedAt: Date.now(),
        wallMs,
        cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err,
      });
    });
  });
}

/** Stops every running child and its process group (used on Ctrl-C). */
export function killAll() {
  for (const child of active) {
    try {
      if (child.pid) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The first executable called `name` on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

export function median(xs) {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs, q) {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
