/** `POST /api/<method>`: the contract over HTTP, one JSON input in, one envelope out. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMethodName } from '../../shared/contract';
import { toAppError, type ErrorCode } from '../../shared/errors';
import { HTTP_API_PREFIX, httpStatusFor } from '../../shared/wire';
import type { Engine } from '../engine';
import type { Logger } from '../engine/log';
import { sendJson } from './respond';

/** Far above any real input (10 000 links fit in about 1 MB), low enough that no client can exhaust memory. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface ApiContext {
  engine: Engine;
  log: Logger;
  originAllowed(origin: string): boolean;
}

function fail(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { ok: false, error: { code, message } }, headers);
}

export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
  const name = rawPath.slice(HTTP_API_PREFIX.length);
  if (!isMethodName(name)) {
    fail(res, 404, 'ERR_NOT_FOUND', `Unknown command "${name.slice(0, 100)}".`);
    return;
  }
  if (req.method !== 'POST') {
    fail(res, 405, 'ERR_INVALID_INPUT', `Call ${name} with POST.`, { Allow: 'POST' });
    return;
  }
  // a cross-site form can only send form or text types, so insisting on JSON also stops form-based CSRF
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    fail(res, 415, 'ERR_INVALID_INPUT', 'Send the input as JSON with Content-Type: application/json.');
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ctx.originAllowed(origin)) {
    fail(res, 403, 'ERR_UNAUTHORIZED', 'Requests from other sites are refused: open ClipHarbor at its own address.');
    return;
  }

  const body = await readBody(req);
  if (body === 'too-large') {
    // the rest of the body is not worth reading: drop the connection once the answer is out
    fail(res, 413, 'ERR_INVALID_INPUT', `The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send fewer links at a time.`, { Connection: 'close' });
    return;
  }
  let input: unknown;
  try {
    input = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    fail(res, 400, 'ERR_INVALID_INPUT', 'The request body is not valid JSON.');
    return;
  }

  try {
    // untyped on purpose: engine.call parses the input with the method's schema, and that is the check
    const result = await ctx.engine.call(name, input as never);
    sendJson(res, 200, { ok: true, result });
  } catch (err) {
    const e = toAppError(err);
    if (e.code === 'ERR_UNKNOWN') ctx.log.error({ method: name, code: e.code, err: e.message }, 'api call failed');
    fail(res, httpStatusFor(e.code), e.code, e.message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
