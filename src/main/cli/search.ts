import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ORIENTATIONS, SearchQuerySchema, STOCK_SOURCES, type MethodInput, type MethodOutput, type StockSource } from '../../shared/contract';
import { formatBytes, formatDuration } from '../../shared/format';
import { preview } from '../../shared/url';
import { follow, intOption, openEngine, stopOnSignals } from './index';
import { UsageError } from './inputs';

const SEARCH_QUALITIES = SearchQuerySchema.shape.quality.unwrap().options;

export const SEARCH_HELP = `Usage: clipharbor search "<theme>" [options]

Searches Pexels and Pixabay for stock videos (answers are cached for 24 h). Needs PEXELS_API_KEY and/or
PIXABAY_API_KEY, or the keys saved in Settings → Providers.

Options:
  --source S         pexels, pixabay or both comma-separated (default both)
  --count N          results to show, 1–200 (default 30)
  --orientation O    ${ORIENTATIONS.join(' | ')}
  --min-width N      smallest video width in pixels
  --min-height N     smallest video height in pixels
  --quality Q        the file to pick from each result: ${SEARCH_QUALITIES.join(' | ')} (default 1080p)
  --get              download every result shown into the library, with its attribution
  --json             one JSON line per result (with --get, then one per finished download); status on stderr
  --dir DIR          library folder (env CLIPHARBOR_LIBRARY)
  --data DIR         data folder (env CLIPHARBOR_DATA)
  -h, --help         this help

Exit status: 0 when at least one source answered (and, with --get, every download completed), 1 when every
source failed or a download failed, 2 on bad usage.`;

const OPTIONS = {
  source: { type: 'string' },
  count: { type: 'string' },
  orientation: { type: 'string' },
  'min-width': { type: 'string' },
  'min-height': { type: 'string' },
  quality: { type: 'string' },
  get: { type: 'boolean' },
  json: { type: 'boolean' },
  dir: { type: 'string' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type SearchOutput = MethodOutput<'search.run'>;

function parseQuery(args: string[]): { query: MethodInput<'search.run'>; get: boolean; json: boolean; data?: string; dir?: string } | null {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}. See clipharbor search --help.`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return null;
  const theme = positionals.join(' ').trim();
  if (!theme) throw new UsageError('No theme given: clipharbor search "<theme>".');
  if (theme.length > 100) throw new UsageError('The theme is longer than 100 characters; shorten it.');
  const sources = v.source === undefined ? undefined : v.source.split(',').map((s) => s.trim());
  for (const s of sources ?? []) {
    if (!STOCK_SOURCES.includes(s as StockSource)) throw new UsageError(`--source must be ${STOCK_SOURCES.join(', ')} or both (got "${preview(s)}").`);
  }
  const orientation = v.orientation;
  if (orientation !== undefined && !(ORIENTATIONS as readonly string[]).includes(orientation)) {
    throw new UsageError(`--orientation must be one of ${ORIENTATIONS.join(', ')} (got "${preview(orientation)}").`);
  }
  const quality = v.quality;
  if (quality !== undefined && !(SEARCH_QUALITIES as readonly string[]).includes(quality)) {
    throw new UsageError(`--quality must be one of ${SEARCH_QUALITIES.join(', ')} (got "${preview(quality)}").`);
  }
  return {
    query: {
      theme,
      sources: sources ? ([...new Set(sources)] as StockSource[]) : undefined,
      count: intOption(v.count, 'count', 1, 200),
      orientation: orientation as (typeof ORIENTATIONS)[number] | undefined,
      minWidth: intOption(v['min-width'], 'min-width', 0, 10_000),
      minHeight: intOption(v['min-height'], 'min-height', 0, 10_000),
      quality: quality as (typeof SEARCH_QUALITIES)[number] | undefined,
    },
    get: v.get === true,
    json: v.json === true,
    data: v.data,
    dir: v.dir,
  };
}

function cell(text: string, width: number): string {
  const t = preview(text, width - 1);
  return t.padEnd(width);
}

function printTable(out: SearchOutput): void {
  if (out.results.length === 0) {
    process.stdout.write('No results.\n');
    return;
  }
  const digits = String(out.results.length).length;
  process.stdout.write(`${'#'.padStart(digits)}  ${'source'.padEnd(8)}${'size'.padEnd(22)}${'length'.padEnd(8)}${'creator'.padEnd(22)}title\n`);
  out.results.forEach((r, i) => {
    const dims = r.width && r.height ? `${r.width}×${r.height}` : '?';
    const size = r.bytes ? `${dims} ${formatBytes(r.bytes)}` : dims;
    process.stdout.write(
      `${String(i + 1).padStart(digits)}  ${r.source.padEnd(8)}${cell(size, 22)}${formatDuration(r.durationSec).padEnd(8)}${cell(r.creatorName, 22)}${preview(r.title, 80)}\n`,
    );
  });
}

function statusLines(out: SearchOutput): string[] {
  return out.sources.map((s) => {
    if (!s.ok) return `${s.source}: ${s.error?.code ?? 'ERR_UNKNOWN'}: ${s.error?.message ?? 'failed'}`;
    const shown = out.results.filter((r) => r.source === s.source).length;
    const parts = [`${shown} shown`];
    if (s.cached) parts.push('cached answer');
    if (s.remaining !== null) {
      const reset = s.resetAt === null ? '' : ` until ${new Date(s.resetAt).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}`;
      parts.push(`${s.remaining} requests left${reset}`);
    }
    if (s.error) parts.push(`incomplete: ${s.error.message}`);
    return `${s.source}: ${parts.join(', ')}`;
  });
}

/** `clipharbor search`: shows stock results from Pexels and Pixabay; `--get` downloads them all. */
export async function cmdSearch(args: string[]): Promise<number> {
  const opts = parseQuery(args);
  if (!opts) {
    process.stdout.write(`${SEARCH_HELP}\n`);
    return 0;
  }
  const engine = openEngine({ data: opts.data, dir: opts.dir });
  try {
    const out = await engine.call('search.run', opts.query);
    if (opts.json) for (const r of out.results) process.stdout.write(`${JSON.stringify(r)}\n`);
    else printTable(out);
    const status = `${statusLines(out).join('\n')}\n`;
    if (opts.json) process.stderr.write(status);
    else process.stdout.write(status);
    if (out.sources.every((s) => !s.ok)) return 1;
    if (!opts.get || out.results.length === 0) return 0;
    const { jobs } = await engine.call('search.download', { results: out.results });
    stopOnSignals(engine);
    await engine.start();
    return await follow(engine, [...new Set(jobs.map((j) => j.id))], opts.json);
  } finally {
    await engine.stop();
  }
}
