// Store benchmarks, run in a child process of bench/run.mjs so that peak RSS belongs to this work alone.
//   node store-bench.mjs enqueue <bundleDir> <dataDir> <libraryDir> <count>
//   node store-bench.mjs build   <bundleDir> <dataDir> <libraryDir> <count> <viaItemStore>
//   node store-bench.mjs query   <bundleDir> <dataDir> <libraryDir> -       <runs>
// Prints one JSON object on stdout.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const [mode, bundleDir, dataDir, libraryDir, countArg, runsArg] = process.argv.slice(2);
const { createEngine } = require(path.join(bundleDir, 'engine.cjs'));
const count = Number(countArg);

/** Deterministic PRNG (mulberry32), so every run builds the same library. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const rssKB = () => process.resourceUsage().maxRSS; // kilobytes on Linux and macOS

/** 10 000 distinct URLs shaped like real input: YouTube in its various forms, other sites, direct files. */
function makeUrls(n) {
  const r = rng(42);
  const id = (len) => Array.from({ length: len }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[Math.floor(r() * 64)]).join('');
  const urls = [];
  for (let i = 0; i < n; i++) {
    const k = i % 5;
    if (k === 0) urls.push(`https://www.youtube.com/watch?v=${id(8)}${String(i).padStart(3, '0').slice(-3)}&utm_source=bench`);
    else if (k === 1) urls.push(`https://youtu.be/${id(7)}${String(i).padStart(4, '0').slice(-4)}?si=${id(6)}`);
    else if (k === 2) urls.push(`https://vimeo.com/${100000000 + i}`);
    else if (k === 3) urls.push(`https://www.dailymotion.com/video/x${i.toString(36)}${id(4)}`);
    else urls.push(`https://media.example.org/videos/${i}/${id(10)}.mp4`);
  }
  return urls;
}

async function enqueue() {
  const urls = makeUrls(count);
  const t0 = performance.now();
  const engine = createEngine({ dataDir, libraryDir });
  const openMs = performance.now() - t0;
  const rssBeforeKB = rssKB();
  const t1 = performance.now();
  const res = await engine.call('jobs.add', { urls });
  const addMs = performance.now() - t1;
  const maxRssKB = rssKB();
  const jobs = engine.db.prepare('SELECT COUNT(*) AS n FROM jobs').get().n;
  await engine.stop();
  if (res.created !== count || jobs !== count) throw new Error(`expected ${count} new jobs, got created=${res.created}, rows=${jobs}`);
  return { openMs, addMs, created: res.created, rssBeforeKB, maxRssKB };
}

const WORDS = (
  'sunset beach city night drive rain forest mountain river ocean storm snow desert island lake valley bridge train ' +
  'tour review unboxing tutorial guide recipe cooking baking coffee street food market festival concert live session ' +
  'acoustic piano guitar drums remix cover dance workout yoga running cycling hiking camping fishing travel vlog ' +
  'diary morning evening weekend holiday summer winter autumn spring golden hour timelapse drone aerial footage ' +
  'wildlife birds cats dogs puppy kitten garden flowers harvest farm village castle museum gallery painting sketch ' +
  'pottery woodworking repair restoration engine motorcycle truck rally race highlights goals match final interview ' +
  'podcast lecture physics chemistry history science space rocket launch eclipse moon stars galaxy telescope ' +
  'retro arcade speedrun walkthrough gameplay trailer teaser behind scenes bloopers documentary short film animation ' +
  'stop motion lego minecraft chess puzzle magic trick comedy sketch prank reaction asmr relaxing ambience lofi jazz ' +
  'classical orchestra choir opera ballet theatre skyline harbor lighthouse waterfall canyon glacier volcano aurora'
).split(' ');
const SOURCES = [
  ['youtube', 0.6],
  ['vimeo', 0.1],
  ['dailymotion', 0.08],
  ['twitch', 0.07],
  ['soundcloud', 0.05],
  ['archive.org', 0.04],
  ['peertube', 0.03],
  ['media.example.org', 0.03],
];
const HEIGHTS = [
  [144, 256],
  [240, 426],
  [360, 640],
  [480, 854],
  [720, 1280],
  [1080, 1920],
  [1440, 2560],
  [2160, 3840],
];

function syntheticItem(i, r) {
  let x = r();
  let source = SOURCES[0][0];
  for (const [name, p] of SOURCES) {
    if ((x -= p) <= 0) {
      source = name;
      break;
    }
  }
  const nWords = 3 + Math.floor(r() * 6);
  const title = Array.from({ length: nWords }, () => WORDS[Math.floor(r() * WORDS.length)])
    .map((w, k) => (k === 0 ? w[0].toUpperCase() + w.slice(1) : w))
    .join(' ');
  const uploader = `Channel ${Math.floor(r() * 3000)}`;
  const audioOnly = source === 'soundcloud';
  const [height, width] = audioOnly ? [null, null] : HEIGHTS[Math.floor(r() * HEIGHTS.length)];
  const durationSec = Math.round((5 + r() ** 2 * 7200) * 10) / 10;
  const bytes = Math.round(durationSec * (audioOnly ? 16_000 : (height ?? 360) * 1500));
  const videoId = `vid${i.toString(36).padStart(7, '0')}`;
  const ext = audioOnly ? 'm4a' : 'mp4';
  return {
    jobId: null,
    url: `https://${source}/watch/${videoId}`,
    canonicalUrl: `https://${source}/watch/${videoId}`,
    source,
    extractor: source.replace(/\..*$/, ''),
    videoId,
    formatProfile: audioOnly ? 'audio:m4a' : 'best',
    title,
    uploader,
    uploadDate: `20${String(10 + Math.floor(r() * 15))}0${1 + Math.floor(r() * 9)}1${Math.floor(r() * 9)}`,
    path: `${source}/${uploader}/${title} [${videoId}].${ext}`,
    thumbnail: audioOnly ? null : `.thumbs/${videoId}.jpg`,
    bytes,
    sha256: crypto.createHash('sha256').update(videoId).digest('hex'),
    contentHash: crypto.createHash('sha256').update(`packets:${videoId}`).digest('hex'),
    durationSec,
    width,
    height,
    fps: audioOnly ? null : [24, 25, 30, 60][Math.floor(r() * 4)],
    vcodec: audioOnly ? null : ['h264', 'vp9', 'av1'][Math.floor(r() * 3)],
    acodec: ['aac', 'opus'][Math.floor(r() * 2)],
    bitrate: Math.round((bytes * 8) / durationSec),
    attributionName: null,
    attributionUrl: null,
  };
}

const QUERIES = [
  ['newest, page of 100 (default)', {}],
  ['search "sunset" (FTS)', { query: 'sunset' }],
  ['source=youtube (60 %) + minHeight 720', { source: 'youtube', minHeight: 720 }],
  ['source=vimeo (10 %) + minHeight 720', { source: 'vimeo', minHeight: 720 }],
  ['sort by title', { sort: 'title' }],
  ['sort by duration', { sort: 'duration' }],
];

/**
 * One INSERT prepared once, over the items table's own columns (PRAGMA table_info), filled from the same
 * camelCase fields ItemStore.insert takes: the bulk path for building a big library, and it follows the schema.
 */
function bulkInserter(db, sample) {
  const camel = (col) => col.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const cols = db.prepare('PRAGMA table_info(items)').all().filter((c) => c.name !== 'id');
  const used = cols.filter((c) => c.name === 'created_at' || camel(c.name) in sample);
  const missing = cols.filter((c) => !used.includes(c) && c.notnull && c.dflt_value === null);
  if (missing.length) throw new Error(`the synthetic items lack required column(s) ${missing.map((c) => c.name).join(', ')}: update bench/lib/store-bench.mjs`);
  const stmt = db.prepare(`INSERT INTO items (${used.map((c) => c.name).join(', ')}) VALUES (${used.map((c) => `@${c.name}`).join(', ')})`);
  return (item, createdAt) => {
    const row = {};
    for (const c of used) row[c.name] = c.name === 'created_at' ? createdAt : item[camel(c.name)];
    stmt.run(row);
  };
}

/**
 * Builds the synthetic library: the first `viaStore` items through the engine's own ItemStore.insert (timed on
 * its own, it is the per-download path), the rest through bulkInserter; all with the same generator and clock.
 */
async function build() {
  const viaStore = Number(runsArg);
  // a fake clock spreads created_at over ~3 years (one item every ~15 minutes), like a library built over time
  let fake = Date.UTC(2023, 0, 1);
  const clock = () => (fake += 900_000);
  const r = rng(7);
  const engine = createEngine({ dataDir, libraryDir, clock });
  const rss0 = rssKB();
  const t0 = performance.now();
  engine.db.transaction(() => {
    for (let i = 1; i <= viaStore; i++) engine.items.insert(syntheticItem(i, r), engine.libraryDir);
  })();
  const storeMs = performance.now() - t0;
  const rss1 = rssKB();
  const t1 = performance.now();
  engine.db.transaction(() => {
    let insert = null;
    for (let i = viaStore + 1; i <= count; i++) {
      const item = syntheticItem(i, r);
      insert ??= bulkInserter(engine.db, item);
      insert(item, clock());
    }
  })();
  const bulkMs = performance.now() - t1;
  const total = engine.db.prepare('SELECT COUNT(*) AS n FROM items').get().n;
  const fts = engine.db.prepare("SELECT COUNT(*) AS n FROM items_fts WHERE items_fts MATCH 'sunset'").get().n;
  if (total !== count) throw new Error(`expected ${count} items, found ${total}`);
  await engine.stop();
  return { items: total, vocabulary: new Set(WORDS).size, viaStore, storeMs, storeRssGrowthKB: rss1 - rss0, bulk: count - viaStore, bulkMs, ftsSunset: fts, maxRssKB: rssKB() };
}

/** Opens the library as the app would on its next start (SQLite's cache empty, the OS cache warm) and times library.list. */
async function query() {
  const runs = Number(runsArg);
  const t1 = performance.now();
  const engine = createEngine({ dataDir, libraryDir });
  const openMs = performance.now() - t1;
  const results = [];
  for (const [label, args] of QUERIES) {
    const times = [];
    let firstMs = 0;
    let res;
    for (let k = 0; k < runs + 1; k++) {
      const s = performance.now();
      res = await engine.call('library.list', args);
      const ms = performance.now() - s;
      if (k === 0) firstMs = ms;
      else times.push(ms);
    }
    results.push({
      label,
      args,
      firstMs,
      medianMs: median(times),
      p90Ms: quantile(times, 0.9),
      maxMs: Math.max(...times),
      total: res.total,
      returned: res.items.length,
    });
  }
  await engine.stop();
  const plans = await capturePlans();
  return { openMs, runs, results, plans, maxRssKB: rssKB() };
}

/**
 * EXPLAIN QUERY PLAN of the statements library.list really runs: a fresh engine whose db.prepare records each
 * statement and the arguments it is run with, one call per query, then every recorded statement explained.
 */
async function capturePlans() {
  const engine = createEngine({ dataDir, libraryDir });
  const db = engine.db;
  const prepare = db.prepare.bind(db);
  let captured = [];
  db.prepare = (sql) => {
    const st = prepare(sql);
    return new Proxy(st, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (typeof v !== 'function') return v;
        if (prop === 'get' || prop === 'all' || prop === 'iterate') {
          return (...args) => {
            captured.push({ sql, args });
            return v.apply(target, args);
          };
        }
        return v.bind(target);
      },
    });
  };
  const plans = [];
  try {
    for (const [label, args] of QUERIES) {
      captured = [];
      await engine.call('library.list', args);
      plans.push({
        label,
        statements: captured.map(({ sql, args: params }) => ({
          sql: sql.replace(/\s+/g, ' ').trim(),
          plan: prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((row) => row.detail),
        })),
      });
    }
  } finally {
    db.prepare = prepare;
    await engine.stop();
  }
  return plans;
}

try {
  const out = mode === 'enqueue' ? await enqueue() : mode === 'build' ? await build() : mode === 'query' ? await query() : null;
  if (!out) throw new Error(`unknown mode ${mode}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
}
