/**
 * Stock video search over Pexels and Pixabay: both asked at once, answers cached for 24 h (Pixabay's terms ask
 * for it, and it spares both quotas), results merged by rank. One service failing never hides the other's results.
 */
import type Database from 'better-sqlite3';
import type { MethodOutput, SearchQuery, SearchResult, SecretName, Settings, StockSource } from '../../../shared/contract';
import { AppError, toAppError } from '../../../shared/errors';
import type { Logger } from '../log';
import { httpRequest, type HttpResponse } from '../net/http';
import type { RateLimiter } from '../net/ratelimit';
import type { DB } from '../store/db';
import { MAX_PAGES, type PageRequest, type StockClient } from './common';
import { pexels } from './pexels';
import { pixabay } from './pixabay';

export interface StockSearchDeps {
  db: DB;
  now: () => number;
  log: Logger;
  settings(): Settings;
  secret(name: SecretName): string | undefined;
  limiter: RateLimiter;
}

type RunOutput = MethodOutput<'search.run'>;
type SourceStatus = RunOutput['sources'][number];

const CLIENTS: Record<StockSource, StockClient> = { pexels, pixabay };
const CACHE_MS = 24 * 3_600_000;
/** Someone is looking at the search: a longer wait for a rate limit fails at once, saying when to try again. */
const MAX_WAIT_MS = 60_000;
/** Above every character, so `prefix + TOP` bounds the range of themes that start with prefix. */
const TOP = '\u{10FFFF}';

/** How themes are stored and matched: trimmed, single spaces, lower case. */
export function normalizeTheme(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A prefix keeps its trailing space ("sea " should not suggest "seal"). */
function normalizePrefix(text: string): string {
  return text.replace(/\s+/g, ' ').trimStart().toLowerCase();
}

export class StockSearch {
  private readonly st: {
    cacheGet: Database.Statement<[string]>;
    cachePut: Database.Statement<[string, string, string, number]>;
    cachePrune: Database.Statement<[number]>;
    record: Database.Statement<[string, number]>;
    suggest: Database.Statement<[{ prefix: string; upper: string; length: number; limit: number }]>;
    popular: Database.Statement<[number]>;
  };

  constructor(private readonly deps: StockSearchDeps) {
    const { db } = deps;
    this.st = {
      cacheGet: db.prepare('SELECT answer, fetched_at FROM search_cache WHERE key = ?'),
      cachePut: db.prepare(
        `INSERT INTO search_cache (key, source, answer, fetched_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET answer = excluded.answer, fetched_at = excluded.fetched_at`,
      ),
      cachePrune: db.prepare('DELETE FROM search_cache WHERE fetched_at <= ?'),
      record: db.prepare(
        `INSERT INTO searches (theme, count, last_at) VALUES (?, 1, ?)
         ON CONFLICT(theme) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
      ),
      // a range on the primary key plus an exact prefix check: no LIKE, so % and _ in the prefix are plain text
      suggest: db.prepare(
        `SELECT theme FROM searches WHERE theme >= @prefix AND theme < @upper AND substr(theme, 1, @length) = @prefix
         ORDER BY count DESC, last_at DESC LIMIT @limit`,
      ),
      popular: db.prepare('SELECT theme, count FROM searches ORDER BY count DESC, last_at DESC LIMIT ?'),
    };
  }

  async run(query: SearchQuery): Promise<RunOutput> {
    if (query.minDurationSec !== undefined && query.maxDurationSec !== undefined && query.minDurationSec > query.maxDurationSec) {
      throw new AppError('ERR_INVALID_INPUT', 'The shortest duration is longer than the longest one: swap them or clear one.');
    }
    const q = { ...query, theme: normalizeTheme(query.theme) };
    this.st.record.run(q.theme, this.deps.now());
    const outcomes = await Promise.all([...new Set(q.sources)].map((s) => this.fromSource(CLIENTS[s], q)));
    return { results: merge(outcomes.map((o) => o.results), q.count), sources: outcomes.map((o) => o.status) };
  }

  /** Earlier themes that start with the prefix, the most searched (then the latest) first. */
  suggest(prefix: string, limit: number): string[] {
    const p = normalizePrefix(prefix);
    return (this.st.suggest.all({ prefix: p, upper: p + TOP, length: [...p].length, limit }) as { theme: string }[]).map((r) => r.theme);
  }

  popular(limit: number): Array<{ theme: string; count: number }> {
    return this.st.popular.all(limit) as Array<{ theme: string; count: number }>;
  }

  private async fromSource(client: StockClient, q: SearchQuery): Promise<{ results: SearchResult[]; status: SourceStatus }> {
    const { log } = this.deps;
    const results: SearchResult[] = [];
    let pages = 0;
    let cached = true;
    let error: AppError | null = null;
    try {
      const key = this.deps.secret(client.secretName);
      if (!key) throw new AppError('ERR_CREDENTIALS', `No ${client.label} API key: set ${client.envVar} or add it in Settings → Providers.`);
      const base = client.baseUrl(this.deps.settings());
      const perPage = client.perPage(q);
      for (let page = 1; page <= MAX_PAGES; page++) {
        const req = client.request(q, page, perPage, base, key);
        const answer = await this.answer(client, req, key);
        const parsed = client.parse(answer.body, q, page, perPage);
        // cached only once it parsed: a garbled answer must not stick for a day
        if (!answer.cached) this.remember(client, answer.cacheKey, answer.text);
        cached &&= answer.cached;
        pages++;
        results.push(...parsed.results);
        if (results.length >= q.count || !parsed.more) break;
      }
    } catch (err) {
      error = toAppError(err);
    }
    // a failure after the first page still leaves that page's results worth showing
    const ok = pages > 0;
    if (error) log.warn({ source: client.source, pages, code: error.code, message: error.message }, 'stock search failed');
    else log.info({ source: client.source, pages, cached, results: results.length }, 'stock search');
    const state = this.deps.limiter.state(client.source);
    return {
      results,
      status: {
        source: client.source,
        ok,
        cached: ok && cached,
        error: error ? error.toJSON() : null,
        remaining: state?.remaining ?? null,
        resetAt: state?.resetAt == null ? null : Math.round(state.resetAt),
      },
    };
  }

  /** One page, from the cache when a fresh copy is there. */
  private async answer(client: StockClient, req: PageRequest, key: string): Promise<{ body: unknown; text: string; cached: boolean; cacheKey: string }> {
    const cacheKey = cacheKeyOf(client.source, req.url);
    const hit = this.st.cacheGet.get(cacheKey) as { answer: string; fetched_at: number } | undefined;
    if (hit && this.deps.now() - hit.fetched_at < CACHE_MS) {
      try {
        return { body: JSON.parse(hit.answer) as unknown, text: hit.answer, cached: true, cacheKey };
      } catch {
        // an unreadable row is refetched and overwritten below
      }
    }
    const res = await this.fetch(client, req);
    if (res.status === 429) throw this.limited(client);
    if (res.status !== 200) throw client.failure(res, key);
    if (res.body === undefined) {
      throw new AppError('ERR_PROVIDER_FAILED', `${client.label} answered with something other than search results; try again later.`);
    }
    return { body: res.body, text: res.text, cached: false, cacheKey };
  }

  private remember(client: StockClient, cacheKey: string, text: string): void {
    const now = this.deps.now();
    this.deps.db.transaction(() => {
      this.st.cachePrune.run(now - CACHE_MS);
      this.st.cachePut.run(cacheKey, client.source, text, now);
    })();
  }

  private fetch(client: StockClient, req: PageRequest): Promise<HttpResponse> {
    const { limiter, now } = this.deps;
    const { source, rule } = client;
    if (limiter.waitMs(source, rule) > MAX_WAIT_MS) return Promise.reject(this.limited(client));
    return httpRequest(
      { url: req.url, headers: req.headers },
      {
        maxRetries: this.deps.settings().httpMaxRetries,
        beforeTry: (signal) => limiter.acquire(source, rule, signal),
        onResponse: (res) => {
          const t = now();
          const info = client.rateInfo(res, t);
          if (info) limiter.note(source, info);
          if (res.status === 429) {
            const until = client.blockedUntil(res, t, limiter.state(source)?.resetAt ?? null);
            if (until !== null && until > t) limiter.note(source, { blockedUntil: until });
          }
        },
        // a 429 is worth another try only when the limit lifts soon; otherwise say when it does
        retryOn: (res) => res.status >= 500 || (res.status === 429 && limiter.waitMs(source, rule) <= MAX_WAIT_MS),
      },
    );
  }

  private limited(client: StockClient): AppError {
    const t = this.deps.now();
    const wait = this.deps.limiter.waitMs(client.source, client.rule);
    const when = wait > 0 ? `searches there resume ${describeWhen(t + wait, t)}` : 'try again in a few minutes';
    return new AppError('ERR_HTTP_429', `${client.label} rate limit reached: ${when}.`);
  }
}

/** Source + the request without its key, parameters sorted: the same search always finds its cached answer. */
function cacheKeyOf(source: StockSource, url: string): string {
  const u = new URL(url);
  u.searchParams.delete('key');
  u.searchParams.sort();
  return `${source} ${u.toString()}`;
}

/** Interleaved by rank (first of each source, then second…), without repeats, at most count. */
function merge(lists: SearchResult[][], count: number): SearchResult[] {
  const out: SearchResult[] = [];
  const keys = new Set<string>();
  const files = new Set<string>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest && out.length < count; i++) {
    for (const list of lists) {
      const r = list[i];
      // the same clip posted on both sites comes with the same file: keep the better-ranked copy
      if (!r || keys.has(r.key) || files.has(r.fileUrl)) continue;
      keys.add(r.key);
      files.add(r.fileUrl);
      out.push(r);
      if (out.length >= count) break;
    }
  }
  return out;
}

function describeWhen(at: number, now: number): string {
  const mins = Math.max(1, Math.ceil((at - now) / 60_000));
  const d = new Date(at);
  const clock = mins < 24 * 60 ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  const span = mins < 120 ? `${mins} min` : mins < 48 * 60 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} days`;
  return `at ${clock} (in ${span})`;
}
