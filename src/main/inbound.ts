/**
 * Links that reach the app from outside the window: command-line arguments, `clipharbor://add?url=…` deep links
 * (argv on Windows/Linux, `open-url` on macOS) and the opt-in clipboard watcher. Everything here is plain Node.
 */
import { createHash } from 'node:crypto';
import { checkUrl, preview } from '../shared/url';
import { toAppError } from '../shared/errors';
import type { Engine } from './engine';

export const DEEP_LINK_SCHEME = 'clipharbor';

export interface Inbound {
  urls: string[];
  /** Links that were meant for the app but cannot be downloaded, with a sentence saying why. */
  rejected: Array<{ input: string; message: string }>;
}

function deepLink(arg: string, out: Inbound): void {
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    out.rejected.push({ input: arg, message: `"${preview(arg)}" is not a valid ClipHarbor link.` });
    return;
  }
  // clipharbor://add?url=…, clipharbor://add/?url=… (Windows adds the slash) and clipharbor:add?url=…
  const action = `${url.host}${url.pathname}`.replace(/^\/+|\/+$/g, '');
  const values = url.searchParams.getAll('url');
  if (action !== 'add' || values.length === 0) {
    out.rejected.push({ input: arg, message: `"${preview(arg)}" is not a ClipHarbor link it understands: use clipharbor://add?url=<link>.` });
    return;
  }
  for (const value of values) addChecked(value, out);
}

function addChecked(raw: string, out: Inbound): void {
  const checked = checkUrl(raw);
  if (checked.ok) out.urls.push(checked.url);
  else out.rejected.push({ input: raw, message: checked.message });
}

/**
 * Reads links from an argv (ours at start, or a second launch's). Only deep links and http(s) links count: the
 * executable, the app folder and Chromium's own switches that Electron puts in argv are none of our business.
 */
export function urlsFromArgs(args: readonly string[]): Inbound {
  const out: Inbound = { urls: [], rejected: [] };
  for (const arg of args) {
    if (arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`)) deepLink(arg, out);
    else if (/^https?:\/\//i.test(arg)) addChecked(arg, out);
  }
  out.urls = [...new Set(out.urls)];
  return out;
}

/**
 * Strips what wraps a link in prose or markup ("<https://…>", "(see https://…).") while keeping a closing
 * parenthesis that belongs to it (https://en.wikipedia.org/wiki/Foo_(bar)).
 */
function trimLink(token: string): string {
  let link = token.replace(/^[<("'[{]+/, '');
  for (;;) {
    const trimmed = link.replace(/[>"'\]},.;:!?]+$/, '');
    const opens = trimmed.split('(').length;
    const closes = trimmed.split(')').length;
    link = trimmed.endsWith(')') && closes > opens ? trimmed.slice(0, -1) : trimmed;
    if (link === trimmed) return link;
  }
}

/** The http(s) links in a piece of copied text; everything else in it is ignored. */
export function urlsInText(text: string): string[] {
  const urls: string[] = [];
  for (const token of text.split(/\s+/)) {
    const candidate = trimLink(token);
    if (!/^https?:\/\//i.test(candidate)) continue;
    const checked = checkUrl(candidate);
    if (checked.ok) urls.push(checked.url);
  }
  return [...new Set(urls)];
}

const REMEMBERED_TEXTS = 500;

/**
 * Polls the clipboard and reports links in newly copied text. Whatever was on the clipboard when watching began
 * was not copied for us, and a text seen before (copied again, or restored by a clipboard manager) is never
 * reported twice.
 */
export class ClipboardWatcher {
  private timer: NodeJS.Timeout | null = null;
  private last: string | null = null;
  private reading = false;
  /** Digests, not texts: copied text can be large and private. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly read: () => Promise<string>,
    private readonly onUrls: (urls: string[]) => void,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.last = null;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    void this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads once; a read still pending when the next tick comes is not doubled up. */
  async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    let text: string;
    try {
      text = await this.read();
    } catch {
      return;
    } finally {
      this.reading = false;
    }
    if (!this.timer) return;
    const first = this.last === null;
    if (text === this.last) return;
    this.last = text;
    const digest = createHash('sha256').update(text).digest('base64');
    if (this.seen.has(digest)) return;
    this.seen.add(digest);
    if (this.seen.size > REMEMBERED_TEXTS) this.seen.delete(this.seen.values().next().value!);
    // what was on the clipboard when watching began was not copied for us
    if (first) return;
    const urls = urlsInText(text);
    if (urls.length > 0) this.onUrls(urls);
  }
}

/**
 * Queues links through the contract like the window does (so zod validates them again) and turns every failure
 * into a message for the user; it never throws.
 */
export async function enqueue(engine: Pick<Engine, 'call'>, inbound: Inbound): Promise<{ created: number; problems: string[] }> {
  const problems = inbound.rejected.map((r) => r.message);
  if (inbound.urls.length === 0) return { created: 0, problems };
  try {
    const { created } = await engine.call('jobs.add', { urls: inbound.urls });
    return { created, problems };
  } catch (err) {
    return { created: 0, problems: [...problems, toAppError(err).message] };
  }
}
