/**
 * Fake Scrapling TikTok service (PROTOCOLS.md §3): `GET /health`, `POST /tiktok/download`. FastAPI-style 422
 * `{"detail": [...]}` for bad bodies; otherwise `{"status": "success"|"error", ...}` with the documented error codes
 * and their HTTP statuses. It checks the link like the service (TikTok host, a video id), then answers the scenario's
 * outcome for headless or headful calls, so "fails headless, succeeds headful" is one setting.
 */
import { startFakeServer, type FakeServer, type FaultControls, type RecordedCall, type Reply } from './common';

export type ScraplingRoute = 'health' | 'download';
export type ScraplingCode = 'INVALID_URL' | 'INVALID_VIDEO_ID' | 'INVALID_VIDEO' | 'NO_DOWNLOAD_LINK' | 'NAVIGATION_FAILED' | 'DOWNLOAD_FAILED';

export const SCRAPLING_STATUS: Record<ScraplingCode, number> = {
  INVALID_URL: 400,
  INVALID_VIDEO_ID: 400,
  INVALID_VIDEO: 400,
  NO_DOWNLOAD_LINK: 404,
  NAVIGATION_FAILED: 503,
  DOWNLOAD_FAILED: 500,
};

const MESSAGES: Record<ScraplingCode, string> = {
  INVALID_URL: 'Invalid TikTok URL',
  INVALID_VIDEO_ID: 'Could not extract a video ID from the URL',
  INVALID_VIDEO: 'The video is private, deleted or unavailable',
  NO_DOWNLOAD_LINK: 'No download link found on the page',
  NAVIGATION_FAILED: 'Failed to navigate to the download page',
  DOWNLOAD_FAILED: 'Failed to process the download',
};

export interface ScraplingScenario extends FaultControls<ScraplingRoute> {
  /** Outcome of calls with force_headful false / true once the link checks pass. */
  headless: 'success' | ScraplingCode;
  headful: 'success' | ScraplingCode;
  fileUrl: string;
  /** Success bodies with nulls where the service may send them (video_info fields, file_size). */
  nulls: boolean;
  fileSize: number | null;
}

export interface ScraplingFake extends FakeServer {
  scenario: ScraplingScenario;
  /** force_headful of every download call that passed validation, in order. */
  headfulFlags: boolean[];
  /** Port the fake listens on (the client builds its URL from host + port settings). */
  port: number;
}

export interface ScraplingFakeOptions {
  fileUrl?: string;
  scenario?: Partial<ScraplingScenario>;
}

type Detail = { type: string; loc: Array<string | number>; msg: string; input: unknown; ctx?: Record<string, unknown> };

/** Pydantic v2 validation of the request model `{url: HttpUrl, force_headful: bool = False}` with extra fields forbidden. */
function validate(call: RecordedCall): Detail[] {
  const body = call.body;
  if (typeof body === 'string') {
    return [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }];
  }
  if (body === undefined) return [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }];
  }
  const fields = body as Record<string, unknown>;
  const out: Detail[] = [];
  if (fields.url === undefined) out.push({ type: 'missing', loc: ['body', 'url'], msg: 'Field required', input: body });
  else if (typeof fields.url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(fields.url)) {
    out.push({
      type: 'url_parsing',
      loc: ['body', 'url'],
      msg: 'Input should be a valid URL, relative URL without a base',
      input: fields.url,
      ctx: { error: 'relative URL without a base' },
    });
  }
  if (fields.force_headful !== undefined && typeof fields.force_headful !== 'boolean') {
    out.push({ type: 'bool_parsing', loc: ['body', 'force_headful'], msg: 'Input should be a valid boolean, unable to interpret input', input: fields.force_headful });
  }
  for (const [k, v] of Object.entries(fields)) {
    if (k !== 'url' && k !== 'force_headful') out.push({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted', input: v });
  }
  return out;
}

/** The service's own link checks: a TikTok host, and a video id unless it is a short link. */
function checkLink(url: string): ScraplingCode | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'INVALID_URL';
  }
  if (!/(^|\.)tiktok\.com$/i.test(u.hostname)) return 'INVALID_URL';
  if (/^(vm|vt)\.tiktok\.com$/i.test(u.hostname)) return null;
  return /\/video\/\d{8,}/.test(u.pathname) ? null : 'INVALID_VIDEO_ID';
}

export async function startScraplingFake(opts: ScraplingFakeOptions = {}): Promise<ScraplingFake> {
  const scenario: ScraplingScenario = {
    faults: {},
    delays: {},
    headless: 'success',
    headful: 'success',
    fileUrl: opts.fileUrl ?? 'http://127.0.0.1:1/v/clip-1.mp4',
    nulls: false,
    fileSize: 1_234_567,
    ...opts.scenario,
  };
  const headfulFlags: boolean[] = [];

  const failure = (code: ScraplingCode, url: string, headful: boolean, executionTime: number): Reply => ({
    status: SCRAPLING_STATUS[code],
    body: {
      status: 'error',
      message: MESSAGES[code],
      error_code: code,
      error_details: { url, headful },
      execution_time: executionTime,
    },
  });

  const server = await startFakeServer<ScraplingRoute>({
    controls: scenario,
    route(call) {
      if (call.path === '/health' && call.method === 'GET') return 'health';
      if (call.path === '/tiktok/download' && call.method === 'POST') return 'download';
      return null;
    },
    notFound: (call) =>
      call.path === '/health' || call.path === '/tiktok/download'
        ? { status: 405, body: { detail: 'Method Not Allowed' } }
        : { status: 404, body: { detail: 'Not Found' } },
    handle(route, call) {
      if (route === 'health') return { status: 200, body: { status: 'healthy' } };
      const problems = validate(call);
      if (problems.length > 0) return { status: 422, body: { detail: problems } };
      const fields = call.body as { url: string; force_headful?: boolean };
      const headful = fields.force_headful === true;
      headfulFlags.push(headful);
      const executionTime = headful ? 9.87 : 4.32;
      const linkProblem = checkLink(fields.url);
      if (linkProblem) return failure(linkProblem, fields.url, headful, 0.01);
      const outcome = headful ? scenario.headful : scenario.headless;
      if (outcome !== 'success') return failure(outcome, fields.url, headful, executionTime);
      const id = /\/video\/(\d+)/.exec(fields.url)?.[1] ?? null;
      return {
        status: 200,
        body: {
          status: 'success',
          message: 'Download link extracted successfully',
          download_url: scenario.fileUrl,
          video_info: scenario.nulls
            ? { id, title: null, author: null, duration: null, thumbnail_url: null }
            : { id, title: 'Fake TikTok clip', author: 'fake.creator', duration: 5, thumbnail_url: 'https://p16.example.test/thumb.jpeg' },
          file_size: scenario.nulls ? null : scenario.fileSize,
          execution_time: executionTime,
          error_code: null,
          error_details: null,
        },
      };
    },
  });

  return { ...server, scenario, headfulFlags, port: Number(new URL(server.url).port) };
}
