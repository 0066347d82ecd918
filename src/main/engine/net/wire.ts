/**
 * The direct downloader's HTTP/1.1 client: GET requests over a kept-alive connection per WireChannel (node:net or
 * node:tls), one request at a time, with each response body read straight into buffers the caller hands out (the
 * sockets' `onread` option). A body byte is copied once, by the kernel, into the buffer that is then written to
 * disk.
 *
 * Why not node:http: its client allocates a new buffer for every socket read and copies each body chunk once
 * more on its way out of the parser; on a fast link that garbage and those copies cost the downloader more CPU
 * per byte than the transfer itself (bench/RESULTS.md, section 5). The HTTP a file download needs is small:
 * a status line, headers, and a body framed by Content-Length, chunked transfer coding, or the connection's end.
 *
 * A connection is kept for the next request only after a body framed by Content-Length that ended exactly there,
 * from an HTTP/1.1 server that did not say `Connection: close`. A request sent on a kept connection that the
 * server closed meanwhile (its idle timeout) fails before any byte of an answer; it is sent once more on a new one.
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
  /** Lower-case names; Host is set here, Connection is not sent (HTTP/1.1 keeps connections by default). Values must not contain CR, LF or NUL. */
  headers: Record<string, string>;
  /** Aborts the request until its head has arrived; pipe() takes the signal for the body. */
  signal: AbortSignal;
  /** A connection that delivers nothing for this long (connecting included) fails with ERR_NETWORK. */
  idleMs: number;
}

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

/**
 * GET requests over one kept-alive connection (a new one when the last was not kept, or for another origin).
 * A request may be sent while the previous answer's body is still arriving (pipelining, RFC 9112 §9.3.2), once
 * that answer has shown the connection is kept and where its body ends; the answers then follow each other on
 * the connection, and the next one's bytes that arrive with the end of the last are handed over to it.
 * close() ends the connection; a channel without an open connection holds nothing.
 */
export class WireChannel {
  private socket: net.Socket | null = null;
  /** Origin of the open connection. */
  private origin = '';
  /** The answer the connection is carrying, from its request until its body ended or it was destroyed. */
  private current: WireResponse | null = null;
  /** Requests sent after the current one (pipelined), their answers still to come, in order. */
  private queued: WireResponse[] = [];
  /** Reads while the connection is kept between requests: any byte the server sends then ends it. */
  private idleBuf: Buffer | null = null;
  /** Counts close() calls: a request sent again must not reopen a channel its owner closed meanwhile. */
  private closes = 0;
  /**
   * The shortest time a TCP connect of this channel took: about one round trip to the server (plus what delayed
   * this process's event loop); Infinity before the first connection.
   */
  rttMs = Infinity;

  /** The next request to `url` would go out at once on this connection, behind the answer still arriving. */
  canPipeline(url: URL): boolean {
    return this.socket !== null && this.origin === url.origin && this.queued.length === 0 && this.current?.pipelinable === true;
  }

  /**
   * Sends the GET; resolves when the response head (after any 1xx) has arrived. The body waits for pipe().
   * Behind an answer still arriving only when canPipeline(); otherwise that answer is abandoned with its connection.
   */
  async get(req: WireRequest): Promise<WireResponse> {
    const kept = this.socket !== null && this.origin === req.url.origin && (this.current === null || this.canPipeline(req.url));
    if (!kept) this.drop();
    const closes = this.closes;
    const res = this.send(req);
    try {
      return await res.head;
    } catch (err) {
      // a kept connection the server closed meanwhile (its idle timeout, or a limit of requests per connection) ends
      // before any byte of this answer: a GET may be sent again, on a new connection. Not when the answer before it
      // failed (its owner decides what to ask for next), nor after the owner closed the channel
      if (kept && res.unanswered && !res.abandoned && closes === this.closes && !req.signal.aborted && err instanceof AppError && err.code === 'ERR_NETWORK') {
        this.drop();
        return this.send(req).head;
      }
      throw err;
    }
  }

  /** Ends the open connection; answers it still carries fail (ERR_NETWORK). */
  close(): void {
    this.closes++;
    this.drop();
  }

  /**
   * An answer is done with the connection: it goes on to the next request only when `keep`. `surplus`: bytes that
   * arrived after the answer's end, in the same read (the next pipelined answer's), valid only during this call.
   */
  release(res: WireResponse, keep: boolean, surplus: Buffer | null): void {
    if (this.current !== res) {
      // a pipelined request given up: its answer would still come on this connection
      if (this.queued.includes(res)) this.drop();
      return;
    }
    this.current = null;
    if (!keep || (surplus && this.queued.length === 0)) {
      // not kept (requests sent behind this answer are abandoned with it), or bytes nobody asked for
      this.drop();
      return;
    }
    const next = this.queued.shift() ?? null;
    this.current = next;
    if (next) {
      if (surplus) next.feed(surplus);
      // the last answer may have ended with reading stopped (its final bytes had waited for pipe())
      if (next.reading) this.socket?.resume();
      return;
    }
    // kept idle: no deadline of ours (the server closes it when it wants), reading on to notice that
    this.socket?.setTimeout(0);
    this.socket?.resume();
  }

  /** Destroys the connection; the answers it carries fail. */
  private drop(): void {
    const { socket } = this;
    const pending = [this.current, ...this.queued];
    this.socket = null;
    this.current = null;
    this.queued = [];
    socket?.destroy();
    for (const res of pending) {
      if (res && res !== pending[0]) res.abandoned = true;
      res?.fail(new AppError('ERR_NETWORK', 'The connection was closed before the end of the answer.'));
    }
  }

  private send(req: WireRequest): WireResponse {
    const res = new WireResponse(this, describeUrl(req.url.href), req.idleMs);
    if (req.signal.aborted) {
      res.fail(canceled());
      return res;
    }
    let head: string;
    try {
      head = requestHead(req.url, req.headers);
    } catch (err) {
      res.fail(err as AppError);
      return res;
    }
    // current first: a new connection asks it for the buffer of its first read as it is made
    if (this.current) this.queued.push(res);
    else this.current = res;
    const socket = this.socket ?? this.connect(req.url);
    res.attach(socket, req.signal);
    // written once connected (and, for TLS, once the handshake is done)
    socket.write(head);
    return res;
  }

  private connect(url: URL): net.Socket {
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (secure ? 443 : 80);
    // `socket` is still null while net.connect asks for the first read's buffer
    let socket: net.Socket | null = null;
    const mine = (): boolean => socket === null || socket === this.socket;
    const onread: net.OnReadOpts = {
      buffer: () => (mine() ? this.current?.nextBuffer() : null) ?? (this.idleBuf ??= Buffer.allocUnsafe(1024)),
      callback: (n, buf) => mine() && this.onRead(n, buf),
    };
    // tls.connect takes onread as net.connect does (Node >= 15), though @types/node does not list it
    const tlsOptions: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], onread };
    const connecting = performance.now();
    socket = secure ? tls.connect(tlsOptions) : net.connect({ host, port, onread });
    socket.once('connect', () => (this.rttMs = Math.min(this.rttMs, performance.now() - connecting)));
    // events of a connection this channel no longer holds are ignored (it was destroyed)
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!mine()) return;
      if (this.current) this.current.socketError(err);
      else this.drop();
    });
    const onEnd = (): void => {
      if (!mine()) return;
      if (this.current) this.current.socketEnd();
      else this.drop();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('timeout', () => {
      if (mine()) this.current?.socketIdle();
    });
    this.socket = socket;
    this.origin = url.origin;
    return socket;
  }

  /** onread's callback. false stops reading. */
  private onRead(n: number, buf: Uint8Array): boolean {
    const socket = this.socket;
    const res = this.current;
    if (!res) {
      // a kept connection has nothing to say between answers: anything it sends ends it
      this.drop();
      return false;
    }
    const more = res.onRead(n, buf);
    if (this.current === res || this.socket !== socket) return more;
    // the answer ended: the connection reads on for the next one (or, kept idle, to notice a close)
    return this.current?.reading ?? true;
  }
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
  lines.push('', '');
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
  /** HTTP/1.1 without `Connection: close`: the server keeps the connection after this answer. */
  private persistent = false;
  /** Bytes that arrived past the body's Content-Length (a view into the read buffer, until finish()). */
  private surplus: Buffer | null = null;
  /** Resolves with this response once its head has arrived. */
  readonly head: Promise<WireResponse>;
  private headResolve: ((res: WireResponse) => void) | null = null;
  private headReject: ((err: AppError) => void) | null = null;
  private bodyResolve: (() => void) | null = null;
  private bodyReject: ((err: AppError) => void) | null = null;
  private detachSignal: () => void = () => undefined;
  private failure: AppError | null = null;

  constructor(
    private readonly channel: WireChannel,
    private readonly where: string,
    private readonly idleMs: number,
  ) {
    this.head = new Promise((resolve, reject) => {
      this.headResolve = resolve;
      this.headReject = reject;
    });
    // a failure nobody awaits (the channel sends the request again) is not an unhandled rejection
    this.head.catch(() => undefined);
  }

  /** A pipelined request whose connection ended before the answer before it was complete. */
  abandoned = false;

  /** Failed before any byte of an answer arrived. */
  get unanswered(): boolean {
    return this.status === 0 && this.headLen === 0;
  }

  /** The whole body has arrived (its length or last chunk said so). */
  get complete(): boolean {
    return this.framingDone();
  }

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

  /** Stops reading the body (the caller is done with it; the connection is not kept); a body being piped resolves. */
  destroy(): void {
    if (this.phase === 'body') this.finish();
    this.close();
  }

  // ---------------------------------------------------------------------------------------------------------
  // socket plumbing (called by WireChannel)

  attach(socket: net.Socket, signal: AbortSignal): void {
    this.socket = socket;
    socket.setTimeout(this.idleMs);
    this.watch(signal);
  }

  /** The connection is kept after this answer, whose body's end is known: a next request may be sent now. */
  get pipelinable(): boolean {
    return (this.phase === 'wait' || this.phase === 'body') && this.persistent && this.framing.kind === 'length' && !this.eof;
  }

  /** Wants the connection read (as the current answer). */
  get reading(): boolean {
    return this.phase === 'head' || (this.phase === 'body' && !this.paused);
  }

  /**
   * Bytes of this answer that arrived in a buffer not its own (the answer before it on the connection had it):
   * copied in, as its head and then as body bytes that wait for pipe().
   */
  feed(bytes: Buffer): void {
    let off = 0;
    while (off < bytes.length && this.phase === 'head') {
      const n = Math.min(bytes.length - off, HEAD_MAX - this.headLen);
      this.headBuf.set(bytes.subarray(off, off + n), this.headLen);
      off += n;
      this.readHead(n);
    }
    for (; off < bytes.length && this.phase === 'wait'; off += MIN_SPACE) this.early.push(Buffer.from(bytes.subarray(off, off + MIN_SPACE)));
  }

  socketIdle(): void {
    // reading paused because the disk is behind: not the server's silence (the next read restarts the clock)
    if (this.phase === 'body' && this.paused) return;
    this.fail(new AppError('ERR_NETWORK', `${this.where} stopped sending data for ${this.idleMs / 1000} s: check the network, then retry.`));
  }

  socketError(err: NodeJS.ErrnoException): void {
    const code = err.code ?? '';
    this.fail(
      /CERT|SELF_SIGNED|TLS|SSL/.test(code)
        ? new AppError('ERR_NETWORK', `The secure connection to ${this.where} failed (${code}): its certificate could not be verified.`)
        : new AppError('ERR_NETWORK', `Lost the connection to ${this.where}${code ? ` (${code})` : ''}: check the network, then retry.`),
    );
  }

  socketEnd(): void {
    this.eof = true;
    this.endOfStream();
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
    if (this.phase === 'head') {
      if (buf === this.region) return this.readHead(n);
      // the first bytes on a kept connection land in a buffer handed out before this answer was the current one
      this.feed(Buffer.from(buf.buffer, buf.byteOffset, n));
      return this.phase === 'head';
    }
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
    const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
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
    const connection = (this.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
    this.persistent = m[1] === '1' && !connection.includes('close');
    return Number(m[2]);
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
      if (body.length > f.remaining) {
        this.surplus = body.subarray(f.remaining);
        body = body.subarray(0, f.remaining);
      }
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
    // the connection carries the next request only when this answer ended exactly where its length said
    const f = this.framing;
    const surplus = this.surplus;
    this.surplus = null;
    this.close(f.kind === 'length' && f.remaining === 0 && this.persistent && !this.eof, surplus);
    const resolve = this.bodyResolve;
    this.bodyResolve = this.bodyReject = null;
    resolve?.();
  }

  fail(err: AppError): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = err;
    this.phase = 'done';
    this.close();
    const reject = this.headReject ?? this.bodyReject;
    this.headResolve = this.headReject = this.bodyResolve = this.bodyReject = null;
    reject?.(err);
  }

  private close(keep = false, surplus: Buffer | null = null): void {
    this.detachSignal();
    this.channel.release(this, keep, surplus);
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
