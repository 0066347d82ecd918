/**
 * Who may talk to the headless server: which addresses it may bind, which Host and Origin values it answers (the
 * DNS-rebinding and cross-site defence), and the access token every request must carry when one is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { AppError } from '../../shared/errors';
import { TOKEN_COOKIE, TOKEN_QUERY } from '../../shared/wire';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = ['0.0.0.0', '::'];

function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  return h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

/** Anyone who can reach a non-loopback address could drive the app, download into the library and read it. */
export function assertBindAllowed(host: string, token: string | null | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new AppError(
      'ERR_INVALID_INPUT',
      `Refusing to listen on ${host} without an access token: other machines could use it. Pass --token (or set CLIPHARBOR_TOKEN), or use --host 127.0.0.1.`,
    );
  }
}

/** A host as it appears in a URL or a Host header: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  const h = bare(host);
  return net.isIPv6(h) ? `[${h}]` : h;
}

/**
 * The names a browser may legitimately use to reach a server bound to `host`. A page on a rebinding domain sends
 * that domain as Host, so it is refused even though its requests land on our socket.
 */
function reachableNames(host: string): string[] {
  if (isLoopbackHost(host)) return [host, ...LOOPBACK_NAMES];
  if (!WILDCARDS.includes(bare(host))) return [host];
  const addresses = Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return [host, os.hostname(), ...LOOPBACK_NAMES, ...addresses];
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export interface Gate {
  /** The server's own origin, for links and messages. */
  readonly origin: string;
  /** Its `host:port`. */
  readonly host: string;
  readonly tokenRequired: boolean;
  /** The accepted `host:port` the request named, or null when it names anything else. */
  hostOf(req: IncomingMessage): string | null;
  /** Same-origin check for Origin headers: only pages served by this server may call it. */
  originAllowed(origin: string): boolean;
  tokenMatches(candidate: string): boolean;
  /** True when the request carries the token (header, cookie or query), or none is required. */
  authorized(req: IncomingMessage, query: URLSearchParams): boolean;
  /** The cookie that lets a browser carry the token after its first visit. */
  cookie(): string;
}

export function createGate(opts: { host: string; port: number; token: string | null | undefined }): Gate {
  const hosts = new Set(reachableNames(opts.host).map((n) => `${urlHost(n)}:${opts.port}`));
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  const expected = opts.token ? digest(opts.token) : null;
  const tokenMatches = (candidate: string): boolean => expected !== null && timingSafeEqual(digest(candidate), expected);

  const own = `${urlHost(opts.host)}:${opts.port}`;
  return {
    origin: `http://${own}`,
    host: own,
    tokenRequired: expected !== null,
    hostOf(req) {
      const host = req.headers.host?.toLowerCase();
      return host !== undefined && hosts.has(host) ? host : null;
    },
    originAllowed: (origin) => origins.has(origin.toLowerCase()),
    tokenMatches,
    authorized(req, query) {
      if (!expected) return true;
      return requestTokens(req, query).some(tokenMatches);
    },
    cookie: () => `${TOKEN_COOKIE}=${encodeURIComponent(opts.token ?? '')}; HttpOnly; SameSite=Strict; Path=/`,
  };
}

/** Every token the request offers; a stale cookie must not hide a correct header or query token. */
function requestTokens(req: IncomingMessage, query: URLSearchParams): string[] {
  const found: string[] = [];
  const bearer = /^Bearer[ \t]+(.*?)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (bearer?.[1]) found.push(bearer[1]);
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      found.push(decodeURIComponent(pair.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is simply not a token
    }
  }
  found.push(...query.getAll(TOKEN_QUERY));
  return found;
}
