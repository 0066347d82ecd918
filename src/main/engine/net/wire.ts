/**
 * The direct downloader's HTTP/1.1 client: one GET per connection (`Connection: close`), over node:net or
 * node:tls, with the response body read straight into buffers the caller hands out (the sockets' `onread`
 * option). A body byte is copied once, by the kernel, into the buffer that is then written to disk.
 *
 * Why not node:http: its client allocates a new buffer for every socket read and copies each body chunk once
 * more on its way out of the parser; on a fast link that garbage and those copies cost the downloader more CPU
 * per byte than the transfer itself (bench/RESULTS.md, section 5). The HTTP a file download needs is small:
 * a status line, headers, and a body framed by Content-Length, chunked transfer coding, or the connection's end.
 *
 * Limits: the response head must fit in HEAD_MAX bytes; interim 1xx answers are skipped; a body with a transfer
 * coding other than chunked is refused, as is a head with conflicting Content-Length values (RFC 9112 §6.3).
 */
import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../../shared/errors';
import { describeUrl } from './http';

/** Where a response body goes. */
export interface BodySink {
  /** The buffer the next read may fill (at least MIN_SPACE bytes long), or null while there is no room. */
  space(): Buffer | null;
  /**
   * Body bytes arrived. `inPlace`: they sit at the start of the buffer the last space() call returned (nothing to
   * copy); otherwise they are elsewhere (at most MIN_SPACE bytes) and must be copied before this returns.
   * Return false to pause reading until WireResponse.resume().
   */
  data(bytes: Buffer, inPlace: boolean): boolean;
}

/** Smallest buffer space() may return; bytes delivered out of place never exceed it. */
export const MIN_SPACE = 64 * 1024;
/** Largest response head (status line + headers) accepted. */
export const HEAD_MAX = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export interface WireRequest {
  url: URL;
  /** Lower-case names; Host and Connection are set here. Values must not contain CR, LF or NUL. */
  headers: Record<string, string>;
  /** Aborts the request until its head has arrived; pipe() takes the signal for the body. */
  signal: AbortSignal;
  /** A connection that delivers nothing for this long (connecting included) fails with ERR_NETWORK. */
  idleMs: number;
}

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

/** Sends the GET; resolves when the response head (after any 1xx) has arrived. The body waits for pipe(). */
export function httpGet(req: WireRequest): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const { url, signal } = req;
    const where = describeUrl(url.href);
    if (signal.aborted) {
      reject(canceled());
      return;
    }
    let head: string;
    try {
      head = requestHead(url, req.headers);
    } catch (err) {
      reject(err);
      return;
    }
    const res = new WireResponse(where, resolve, reject);
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (secure ? 443 : 80);
    const onread: net.OnReadOpts = { buffer: () => res.nextBuffer(), callback: (n, buf) => res.onRead(n, buf) };
    // tls.connect takes onread as net.connect does (Node >= 15), though @types/node does not list it
    const tlsOptions: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], onread };
    const socket = secure ? tls.connect(tlsOptions) : net.connect({ host, port, onread });
    res.attach(socket, signal, req.idleMs);
    // written once connected (and, for TLS, once the handshake is done)
    socket.write(head);
  });
}

function requestHead(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname || '/'}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'host' || name === 'connection') continue;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw new AppError('ERR_INVALID_URL', `The request header "${name.slice(0, 40)}" for this download is not valid HTTP.`);
    }
    lines.push(`${name}: ${value}`);
  }
  if ((url.username || url.password) && !('authorization' in headers)) {
    // credentials in the link (http://user:pass@host/…), as browsers and curl send them
    const user = `${unescapeUserinfo(url.username)}:${unescapeUserinfo(url.password)}`;
    lines.push(`authorization: Basic ${Buffer.from(user).toString('base64')}`);
  }
  lines.push('connection: close', '', '');
  return lines.join('\r\n');
}

function unescapeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a stray "%": taken as written
  }
}

/** One response: its head, and its body delivered to a sink. */
export class WireResponse {
  status = 0;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Record<string, string> = {};

  private socket: net.Socket | null = null;
  private phase: 'head' | 'wait' | 'body' | 'done' = 'head';
  private readonly headBuf = Buffer.allocUnsafe(HEAD_MAX);
  private headLen = 0;
  /** Reads land here when the sink has no room (and while the body waits for pipe()). */
  private park: Buffer | null = null;
  /** The buffer handed to the socket for its next read. */
  private region: Uint8Array | null = null;
  /**
   * Body bytes that arrived before pipe(): with the head, and after it (a TLS socket hands over all the data it
   * has decrypted even after reading was stopped). Each at most MIN_SPACE bytes.
   */
  private early: Buffer[] = [];
  private framing: Framing = { kind: 'close' };
  private sink: BodySink | null = null;
  private paused = false;
  /** The server closed its side. */
  private eof = false;
  private settled = false;
  private bodyResolve: (() => void) | null = null;
  private bodyReject: ((err: AppError) => void) | null = null;
  private detachSignal: () => void = () => undefined;
  private failure: AppError | null = null;
  private idleMs = 0;

  constructor(
    private readonly where: string,
    private headResolve: ((res: WireResponse) => void) | null,
    private headReject: ((err: AppError) => void) | null,
  ) {}

  /** Case-insensitive header value, trimmed; null when absent or empty. */
  header(name: string): string | null {
    const v = this.headers[name.toLowerCase()]?.trim();
    return v ? v : null;
  }

  /**
   * Streams the body into `sink`. Resolves once the body is complete (or `destroy()` ended it on purpose);
   * rejects with ERR_NETWORK when the connection fails or closes early, ERR_CANCELED on abort.
   */
  pipe(sink: BodySink, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.phase !== 'wait') {
        reject(this.failure ?? new AppError('ERR_NETWORK', `The connection to ${this.where} is already closed.`));
        return;
      }
      if (signal.aborted) {
        this.close();
        reject(canceled());
        return;
      }
      this.watch(signal);
      this.sink = sink;
      this.phase = 'body';
      this.paused = false;
      this.bodyResolve = resolve;
      this.bodyReject = reject;
      for (const bytes of this.early.splice(0)) {
        this.deliver(bytes, false);
        if (this.phase !== 'body') return;
      }
      if (this.framingDone()) this.finish();
      else if (this.eof) this.endOfStream();
      else if (!this.paused) this.socket?.resume();
    });
  }

  /** Reading goes on after the sink returned false (or had no room). */
  resume(): void {
    if (this.phase !== 'body' || !this.paused) return;
    this.paused = false;
    // the idle clock starts again (it may have run out, ignored, while paused)
    this.socket?.setTimeout(this.idleMs);
    this.socket?.resume();
  }

  /** Closes the connection (the caller is done with it); a body being piped resolves. */
  destroy(): void {
    if (this.phase === 'body') this.finish();
    this.close();
  }

  // ---------------------------------------------------------------------------------------------------------
  // socket plumbing (called by httpGet)

  attach(socket: net.Socket, signal: AbortSignal, idleMs: number): void {
    this.socket = socket;
    this.idleMs = idleMs;
    socket.setTimeout(idleMs, () => {
      // reading paused because the disk is behind: not the server's silence (the next read restarts the clock)
      if (this.phase === 'body' && this.paused) return;
      this.fail(new AppError('ERR_NETWORK', `${this.where} stopped sending data for ${idleMs / 1000} s: check the network, then retry.`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      this.fail(
        /CERT|SELF_SIGNED|TLS|SSL/.test(code)
          ? new AppError('ERR_NETWORK', `The secure connection to ${this.where} failed (${code}): its certificate could not be verified.`)
          : new AppError('ERR_NETWORK', `Lost the connection to ${this.where}${code ? ` (${code})` : ''}: check the network, then retry.`),
      );
    });
    const onEnd = (): void => {
      this.eof = true;
      this.endOfStream();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    this.watch(signal);
  }

  private watch(signal: AbortSignal): void {
    this.detachSignal();
    const onAbort = (): void => this.fail(canceled());
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => signal.removeEventListener('abort', onAbort);
  }

  /** onread's buffer generator: called at connect and after every read. */
  nextBuffer(): Uint8Array {
    if (this.phase === 'head') {
      this.region = this.headBuf.subarray(this.headLen);
    } else {
      const space = this.phase === 'body' && !this.paused ? this.sink?.space() : null;
      this.region = space ?? (this.park ??= Buffer.allocUnsafe(MIN_SPACE));
    }
    return this.region;
  }

  /** onread's callback. false stops reading. */
  onRead(n: number, buf: Uint8Array): boolean {
    if (this.phase === 'head') return this.readHead(n);
    if (this.phase === 'wait') {
      this.early.push(Buffer.from(buf.subarray(0, n)));
      return false;
    }
    if (this.phase !== 'body') return false;
    this.deliver(Buffer.from(buf.buffer, buf.byteOffset, n), buf === this.region && buf !== this.park);
    if (this.phase !== 'body') return false;
    if (this.framingDone()) {
      this.finish();
      return false;
    }
    // paused by the sink, or no room for the next read: wait for the sink's resume()
    if (!this.paused && this.sink?.space() === null) this.paused = true;
    return !this.paused;
  }

  // ---------------------------------------------------------------------------------------------------------
  // head

  private readHead(n: number): boolean {
    let from = Math.max(0, this.headLen - 3);
    this.headLen += n;
    for (;;) {
      const end = this.headBuf.subarray(0, this.headLen).indexOf(HEAD_END, from);
      if (end < 0) {
        if (this.headLen >= HEAD_MAX) this.fail(protocolError(this.where, `its response head is larger than ${HEAD_MAX / 1024} KiB`));
        return true;
      }
      const text = this.headBuf.toString('latin1', 0, end);
      const rest = this.headBuf.subarray(end + 4, this.headLen);
      let status: number;
      try {
        status = this.parseHead(text);
      } catch (err) {
        this.fail(err as AppError);
        return false;
      }
      if (status >= 100 && status < 200) {
        // an interim answer (100 Continue, 103 Early Hints): the real one follows
        this.headBuf.copyWithin(0, end + 4, this.headLen);
        this.headLen = rest.length;
        from = 0;
        for (const k of Object.keys(this.headers)) delete this.headers[k];
        continue;
      }
      this.status = status;
      try {
        this.framing = this.bodyFraming();
      } catch (err) {
        this.fail(err as AppError);
        return false;
      }
      if (rest.length) this.early.push(rest);
      this.phase = 'wait';
      this.paused = true;
      // the caller now owns the response: it pipes (with its own signal) or destroys it
      this.detachSignal();
      const resolve = this.headResolve;
      this.headResolve = this.headReject = null;
      resolve?.(this);
      return false;
    }
  }

  private parseHead(text: string): number {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!m) throw protocolError(this.where, 'it did not answer in HTTP/1.1');
    let last: string | null = null;
    for (const line of lines.slice(1)) {
      if (line.startsWith(' ') || line.startsWith('\t')) {
        // obsolete line folding: part of the previous header's value
        if (last === null) throw protocolError(this.where, 'its response head is malformed');
        this.headers[last] += ` ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw protocolError(this.where, 'its response head is malformed');
      const value = line.slice(colon + 1).trim();
      this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
      last = name;
    }
    return Number(m[1]);
  }

  private bodyFraming(): Framing {
    if (this.status === 204 || this.status === 304) return { kind: 'length', remaining: 0 };
    const te = this.header('transfer-encoding');
    if (te !== null) {
      const codings = te.toLowerCase().split(',').map((s) => s.trim());
      if (codings.length !== 1 || codings[0] !== 'chunked') throw protocolError(this.where, `it used the transfer coding "${te.slice(0, 40)}"`);
      return { kind: 'chunked', decoder: new ChunkedDecoder(this.where) };
    }
    const cl = this.header('content-length');
    if (cl !== null) {
      const values = new Set(cl.split(',').map((s) => s.trim()));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) throw protocolError(this.where, 'its Content-Length is not valid');
      return { kind: 'length', remaining: Number(only) };
    }
    return { kind: 'close' };
  }

  // ---------------------------------------------------------------------------------------------------------
  // body

  /** Hands body bytes (framing removed) to the sink; sets `paused` when it asks for a pause. */
  private deliver(bytes: Buffer, inPlace: boolean): void {
    const f = this.framing;
    let body = bytes;
    if (f.kind === 'length') {
      if (body.length > f.remaining) body = body.subarray(0, f.remaining);
      f.remaining -= body.length;
    } else if (f.kind === 'chunked') {
      try {
        // decoded in place: the payload moves to the front of `bytes`, so an in-place read stays in place
        body = f.decoder.decode(bytes);
      } catch (err) {
        this.fail(err as AppError);
        return;
      }
    }
    if (body.length > 0 && !(this.sink as BodySink).data(body, inPlace)) this.paused = true;
  }

  private framingDone(): boolean {
    const f = this.framing;
    return (f.kind === 'length' && f.remaining === 0) || (f.kind === 'chunked' && f.decoder.done);
  }

  /** The connection ended: the end of a body framed by it, else too early. */
  private endOfStream(): void {
    if (this.phase === 'body' && this.framing.kind === 'close') {
      this.finish();
      return;
    }
    // pipe() first delivers what arrived, then looks at `eof`
    if (this.phase === 'wait') return;
    this.fail(new AppError('ERR_NETWORK', `The connection to ${this.where} closed before the end of the ${this.phase === 'head' ? 'response head' : 'file'}: check the network, then retry.`));
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.phase = 'done';
    this.close();
    const resolve = this.bodyResolve;
    this.bodyResolve = this.bodyReject = null;
    resolve?.();
  }

  private fail(err: AppError): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = err;
    this.phase = 'done';
    this.close();
    const reject = this.headReject ?? this.bodyReject;
    this.headResolve = this.headReject = this.bodyResolve = this.bodyReject = null;
    reject?.(err);
  }

  private close(): void {
    this.detachSignal();
    this.socket?.destroy();
  }
}

/**
 * Chunked transfer coding (RFC 9112 §7.1), decoded in place: decode() moves the payload bytes of its input to the
 * front of that same buffer and returns that part of it. Chunk extensions are ignored, trailers read and dropped.
 */
class ChunkedDecoder {
  done = false;
  private state: 'size' | 'ext' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'trailer-lf' = 'size';
  private size = 0;
  private digits = 0;
  private remaining = 0;
  /** Characters of the current trailer line (0: the blank line that ends the message). */
  private trailerLen = 0;

  constructor(private readonly where: string) {}

  decode(buf: Buffer): Buffer {
    let out = 0;
    let i = 0;
    while (i < buf.length && !this.done) {
      switch (this.state) {
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          if (out !== i) buf.copyWithin(out, i, i + n);
          out += n;
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'size': {
          const c = buf[i++] as number;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > 13) throw this.bad('a chunk size is too large');
            this.size = this.size * 16 + v;
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            if (this.digits === 0) throw this.bad('a chunk size is missing');
            this.state = 'ext';
          } else if (c === 0x0d) {
            if (this.digits === 0) throw this.bad('a chunk size is missing');
            this.state = 'size-lf';
          } else {
            throw this.bad('a chunk size is not hexadecimal');
          }
          break;
        }
        case 'ext':
          if (buf[i++] === 0x0d) this.state = 'size-lf';
          break;
        case 'size-lf':
          if (buf[i++] !== 0x0a) throw this.bad('a chunk size line does not end in CRLF');
          if (this.size === 0) {
            this.state = 'trailer';
            this.trailerLen = 0;
          } else {
            this.remaining = this.size;
            this.state = 'data';
          }
          this.size = 0;
          this.digits = 0;
          break;
        case 'data-cr':
          if (buf[i++] !== 0x0d) throw this.bad('a chunk does not end in CRLF');
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (buf[i++] !== 0x0a) throw this.bad('a chunk does not end in CRLF');
          this.state = 'size';
          break;
        case 'trailer': {
          const c = buf[i++];
          if (c === 0x0d) this.state = 'trailer-lf';
          else if (++this.trailerLen > HEAD_MAX) throw this.bad('its trailer is too large');
          break;
        }
        case 'trailer-lf':
          if (buf[i++] !== 0x0a) throw this.bad('its trailer is malformed');
          if (this.trailerLen === 0) this.done = true;
          this.trailerLen = 0;
          this.state = 'trailer';
          break;
      }
    }
    return buf.subarray(0, out);
  }

  private bad(what: string): AppError {
    return protocolError(this.where, `${what} in its chunked body`);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function protocolError(where: string, what: string): AppError {
  return new AppError('ERR_UNAVAILABLE', `${where} sent a response that is not valid HTTP (${what}): the link does not lead to a downloadable file.`);
}

function canceled(): AppError {
  return new AppError('ERR_CANCELED', 'The download was canceled.');
}
