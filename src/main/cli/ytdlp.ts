import { preview } from '../../shared/url';
import { describeUrl } from '../engine/net/http';
import type { YtdlpStatus } from '../../shared/contract';
import { releaseAsset } from '../engine/ytdlp-update';
import type { Engine } from '../engine';
import { UsageError } from './inputs';

const SUBCOMMANDS = ['update', 'rollback', 'status'] as const;

const copy = (c: { path: string; version: string | null } | null) => (c ? `${c.version ?? 'unknown version'} at ${c.path}` : 'none');

function describe(s: YtdlpStatus): string[] {
  const lines = [
    s.path ? `yt-dlp in use: ${s.version ?? 'unknown version'} at ${s.path}${s.managed?.path === s.path ? ' (fetched by ClipHarbor)' : ''}` : 'yt-dlp in use: none found',
    `Previous copy: ${copy(s.previous)}${s.previous ? ' (go back to it with: clipharbor ytdlp rollback)' : ''}`,
  ];
  if (s.managed && s.managed.path !== s.path) lines.splice(1, 0, `Fetched copy (not in use): ${copy(s.managed)}`);
  if (s.overriddenBy) lines.push(`Note: ${s.overriddenBy}`);
  return lines;
}

/**
 * `clipharbor ytdlp update|rollback|status`: keeps ClipHarbor's own copy of yt-dlp current. `open` is the CLI's
 * engine opener (data folder from --data or the environment); the queue is not started, so nothing downloads meanwhile.
 */
export async function cmdYtdlp(v: { json?: boolean }, positionals: string[], open: () => Engine): Promise<number> {
  const [sub, ...extra] = positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`ytdlp needs a subcommand: ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${preview(sub)}")` : ''}. See clipharbor --help.`);
  }
  if (extra.length) throw new UsageError(`ytdlp ${sub} takes no further arguments.`);
  const engine = open();
  const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  try {
    if (sub === 'status') {
      const s = await engine.ytdlp.status();
      out(v.json ? [JSON.stringify(s)] : describe(s));
      return 0;
    }
    const before = await engine.ytdlp.status();
    if (sub === 'rollback') {
      const s = await engine.ytdlp.rollback();
      out(v.json ? [JSON.stringify(s)] : [`Rolled back: yt-dlp ${before.managed?.version ?? 'unknown'} → ${s.managed?.version ?? 'unknown'} at ${s.managed?.path}.`, ...describe(s)]);
      return 0;
    }
    // Ctrl-C stops the download and leaves the current yt-dlp as it was
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const base = engine.settings.ytdlpReleaseUrl;
    const s = await engine.ytdlp.update(abort.signal);
    if (v.json) out([JSON.stringify(s)]);
    else if (!s.updated) out([`yt-dlp ${s.managed?.version ?? ''} at ${s.managed?.path} is already the newest release (${describeUrl(base)}).`, ...describe(s)]);
    else {
      out([
        `Fetched ${releaseAsset()} from ${describeUrl(base)} and verified it (SHA-256 from SHA2-256SUMS, --version).`,
        `yt-dlp ${before.version ?? 'none'} → ${s.managed?.version ?? 'unknown'}, now at ${s.managed?.path}.`,
        ...describe(s),
      ]);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.stop();
  }
}
