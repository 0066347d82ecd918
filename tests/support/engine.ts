import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job, JobState, Settings } from '../../src/shared/contract';
import { createEngine, type Engine, type EngineOptions } from '../../src/main/engine';

export interface TestEngine {
  engine: Engine;
  dataDir: string;
  libraryDir: string;
  /** Every state each job went through, in order, from `job.updated` events. */
  states: Map<number, JobState[]>;
}

const created: Engine[] = [];

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `clipharbor-${prefix}-`));
}

export function makeEngine(opts: { overrides?: Partial<Settings>; dataDir?: string; libraryDir?: string } & Partial<EngineOptions> = {}): TestEngine {
  const dataDir = opts.dataDir ?? tempDir('data');
  const libraryDir = opts.libraryDir ?? tempDir('lib');
  const engine = createEngine({ ...opts, dataDir, libraryDir, overrides: { retryBaseDelayMs: 50, ...opts.overrides } });
  created.push(engine);
  const states = new Map<number, JobState[]>();
  engine.on('job.updated', (job) => {
    const list = states.get(job.id) ?? [];
    if (list.at(-1) !== job.state) list.push(job.state);
    states.set(job.id, list);
  });
  return { engine, dataDir, libraryDir, states };
}

export async function stopAll(): Promise<void> {
  await Promise.allSettled(created.splice(0).map((e) => e.stop()));
}

/** Adds links, runs the queue and waits until those jobs end; returns them as they ended. */
export async function download(engine: Engine, urls: string[], extra: { quality?: Job['quality']; priority?: number } = {}): Promise<Job[]> {
  const { jobs } = await engine.call('jobs.add', { urls, ...extra });
  await engine.start();
  const ids = jobs.map((j) => j.id);
  await engine.waitForJobs(ids);
  return ids.map((id) => engine.toJob(engine.jobs.require(id)));
}

export function waitFor(cond: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** Media files in the library, relative, ignoring the hidden staging and thumbnail folders. */
export function libraryFiles(libraryDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.name.startsWith('.')) continue;
      const abs = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(abs);
      else out.push(path.relative(libraryDir, abs));
    }
  };
  walk(libraryDir);
  return out.sort();
}

export function stagingEntries(libraryDir: string): string[] {
  try {
    return fs.readdirSync(path.join(libraryDir, '.staging')).filter((n) => !n.startsWith('.write-test'));
  } catch {
    return [];
  }
}
