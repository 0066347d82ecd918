import type { Job, Progress } from '../../shared/contract';
import { formatBytes, formatDuration, formatSpeed } from '../../shared/format';
import { preview } from '../../shared/url';

/**
 * Live progress for a terminal: one bar per active job, redrawn in place at most five times a second,
 * with finished jobs printed as permanent lines above the bars.
 */
export class ProgressBoard {
  private readonly active = new Map<number, { label: string; state: string; progress: Progress | null }>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(job: Job): void {
    if (job.kind === 'playlist') return;
    if (['resolving', 'downloading', 'postprocessing', 'retry_wait'].includes(job.state)) {
      const prev = this.active.get(job.id);
      this.active.set(job.id, { label: label(job), state: job.state, progress: job.progress ?? prev?.progress ?? null });
    } else {
      this.active.delete(job.id);
    }
    this.schedule();
  }

  progress(jobId: number, progress: Progress): void {
    const entry = this.active.get(jobId);
    if (!entry) return;
    entry.progress = progress;
    this.schedule();
  }

  /** A line that stays (a finished job), printed above the live bars. */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.clear();
      this.draw();
    }, 200);
    this.timer.unref();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    const width = Math.max(40, this.out.columns ?? 80);
    const lines = [...this.active.values()].map((e) => renderBar(e.label, e.state, e.progress, width));
    if (lines.length) this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.clear();
  }
}

function label(job: Job): string {
  return preview(job.title ?? job.url, 200);
}

export function renderBar(name: string, state: string, p: Progress | null, width: number): string {
  const barWidth = 20;
  const pct = p?.percent ?? null;
  const filled = pct === null ? 0 : Math.round((pct / 100) * barWidth);
  const bar = pct === null ? '·'.repeat(barWidth) : `${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}`;
  let stats: string;
  if (state === 'resolving') stats = 'resolving…';
  else if (state === 'postprocessing') stats = 'checking…';
  else if (state === 'retry_wait') stats = 'waiting to retry';
  else {
    const size = p ? `${formatBytes(p.downloadedBytes)}${p.totalBytes ? ` / ${formatBytes(p.totalBytes)}` : ''}` : '';
    const parts = p && p.parts > 1 ? ` [${p.part}/${p.parts}]` : '';
    stats = `${pct === null ? '  ?  ' : `${pct.toFixed(1).padStart(5)}%`}  ${size}  ${formatSpeed(p?.speed)}  ETA ${formatDuration(p?.etaSec)}${parts}`;
  }
  const head = `[${bar}] ${stats}  `;
  const room = Math.max(10, width - [...head].length - 1);
  const title = [...name].length > room ? `${[...name].slice(0, room - 1).join('')}…` : name;
  return `${head}${title}`;
}
