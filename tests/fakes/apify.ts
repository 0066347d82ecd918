/**
 * Fake Apify API (PROTOCOLS.md §2): actor runs, long-polled run status, dataset items, abort and the synchronous
 * run-sync-get-dataset-items shortcut, with Apify's `{"error": {"type", "message"}}` error bodies.
 *
 * Scenario controls (mutable between calls): a run created now takes `pollsToFinish` status polls to reach
 * `outcome`; `items` decides the dataset of a successful run; `faults`/`delays` inject one-off failures (429 with or
 * without Retry-After, 5xx, dropped connections) and slow answers per route.
 */
import { randomBytes } from 'node:crypto';
import { answer, startFakeServer, type Fault, type FakeServer, type FaultControls, type RecordedCall, type Reply } from './common';

export type ApifyRoute = 'createRun' | 'runSync' | 'getRun' | 'abortRun' | 'datasetItems';
export type ApifyTerminal = 'SUCCEEDED' | 'FAILED' | 'TIMED-OUT' | 'ABORTED';

export const APIFY_ACTOR = 'xtech~youtube-video-downloader';
export const APIFY_ACTOR_ID = 'QrdkHOap2H2LvbyZk';
export const APIFY_RESOLUTIONS = ['2160p', '1440p', '1080p', '720p', '480p', '360p', '240p', '144p'];

export interface ApifyScenario extends FaultControls<ApifyRoute> {
  /** Status polls a new run answers READY/RUNNING before it reaches `outcome` (0: finished when created). */
  pollsToFinish: number;
  outcome: ApifyTerminal;
  /** statusMessage of a run that ends other than SUCCEEDED (a default per status otherwise). */
  statusMessage: string | null;
  /** The file every default dataset item points at. */
  fileUrl: string;
  /** Dataset items of a successful run from its input; null: one xtech-style item per input URL. */
  items: ((input: Record<string, unknown>) => unknown[]) | null;
  /** run-sync-get-dataset-items answers 408 run-timeout-exceeded and the run goes on (poll it). */
  syncTimesOut: boolean;
}

export interface FakeRun {
  id: string;
  actId: string;
  status: string;
  statusMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  defaultDatasetId: string;
  input: Record<string, unknown>;
  polls: number;
  pollsToFinish: number;
  outcome: ApifyTerminal;
  aborted: boolean;
}

export interface ApifyFake extends FakeServer {
  scenario: ApifyScenario;
  token: string;
  runs: Map<string, FakeRun>;
  datasets: Map<string, unknown[]>;
}

export interface ApifyFakeOptions {
  token?: string;
  /** Actor ids known to the fake, as `user~name` or an id (default: the xtech downloader, both forms). */
  actors?: string[];
  /** Cap (seconds) on how long a waitForFinish long poll is held; the real service holds up to 60 s. */
  maxWaitForFinishSec?: number;
  fileUrl?: string;
  scenario?: Partial<ApifyScenario>;
}

/** An Apify error answer as a one-off fault. */
export function apifyError(status: number, type: string, message: string, headers?: Record<string, string>): Fault {
  return answer(status, { error: { type, message } }, headers);
}

/** The documented error answers, ready to queue as faults. */
export const APIFY_ERRORS = {
  tokenNotValid: () => apifyError(401, 'token-not-valid', 'Authentication token is not valid.'),
  notEnoughUsage: () => apifyError(402, 'not-enough-usage-to-run-paid-actor', 'You do not have enough usage left to run this paid Actor.'),
  actorNotRented: () => apifyError(403, 'actor-is-not-rented', 'You need to rent this Actor before you can run it.'),
  insufficientPermissions: () => apifyError(403, 'insufficient-permissions', 'Insufficient permissions for the Actor run. Make sure you are using the correct token.'),
  actorNotFound: () => apifyError(404, 'actor-not-found', 'Actor was not found'),
  recordNotFound: () => apifyError(404, 'record-not-found', 'Record was not found'),
  invalidInput: (message = 'Input is not valid: Field input.urls is required') => apifyError(400, 'invalid-input', message),
  rateLimited: (retryAfterSec?: number) =>
    apifyError(
      429,
      'rate-limit-exceeded',
      'You have exceeded the rate limit of 30 requests per second',
      retryAfterSec === undefined ? undefined : { 'Retry-After': String(retryAfterSec) },
    ),
  internal: () => apifyError(500, 'internal-server-error', 'Internal server error'),
  unavailable: () => apifyError(503, 'service-unavailable', 'Server is temporarily unavailable'),
} satisfies Record<string, (...args: never[]) => Fault>;

const DEFAULT_MESSAGES: Record<ApifyTerminal, string | null> = {
  SUCCEEDED: null,
  FAILED: 'The Actor process failed: Error: Video unavailable',
  'TIMED-OUT': 'The Actor run exceeded its timeout of 3600 seconds',
  ABORTED: 'The Actor run was aborted by the user',
};

function apifyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(17), (b) => alphabet[b % alphabet.length]).join('');
}

function err(status: number, type: string, message: string): Reply {
  return { status, body: { error: { type, message } } };
}

export async function startApifyFake(opts: ApifyFakeOptions = {}): Promise<ApifyFake> {
  const token = opts.token ?? 'apify-test-token-5f2c9e';
  const actors = new Set(opts.actors ?? [APIFY_ACTOR, APIFY_ACTOR_ID]);
  const maxWaitSec = opts.maxWaitForFinishSec ?? 0.05;
  const scenario: ApifyScenario = {
    faults: {},
    delays: {},
    pollsToFinish: 2,
    outcome: 'SUCCEEDED',
    statusMessage: null,
    fileUrl: opts.fileUrl ?? 'http://127.0.0.1:1/v/clip-1.mp4',
    items: null,
    syncTimesOut: false,
    ...opts.scenario,
  };
  const runs = new Map<string, FakeRun>();
  const datasets = new Map<string, unknown[]>();

  const runJson = (run: FakeRun): Record<string, unknown> => ({
    id: run.id,
    actId: run.actId,
    userId: 'fakeUser000000001',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: run.status,
    statusMessage: run.statusMessage,
    isStatusMessageTerminal: run.finishedAt !== null,
    meta: { origin: 'API' },
    options: { build: 'latest', timeoutSecs: 3600, memoryMbytes: 1024, diskMbytes: 2048 },
    buildId: 'fakeBuild00000001',
    defaultKeyValueStoreId: `kv${run.id.slice(2)}`,
    defaultDatasetId: run.defaultDatasetId,
    defaultRequestQueueId: `rq${run.id.slice(2)}`,
    containerUrl: `https://${run.id}.runs.apify.net`,
  });

  const terminal = (status: string): boolean => ['SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED'].includes(status);

  const finish = (run: FakeRun, status: ApifyTerminal): void => {
    run.status = status;
    run.finishedAt = new Date().toISOString();
    run.statusMessage = status === run.outcome ? (scenario.statusMessage ?? DEFAULT_MESSAGES[status]) : DEFAULT_MESSAGES[status];
    if (status === 'SUCCEEDED') {
      const urls = Array.isArray(run.input.urls) ? run.input.urls : [];
      const items = scenario.items
        ? scenario.items(run.input)
        : urls.map((u, i) => ({
            download_url: scenario.fileUrl,
            title: `Fake video ${i + 1}`,
            channel: 'Fake Channel',
            description: `Downloaded from ${String(u)}`,
            resolution: run.input.resolution ?? null,
          }));
      datasets.set(run.defaultDatasetId, items);
    }
  };

  /** One status poll moves the run along: READY → RUNNING → … → its outcome. */
  const advance = (run: FakeRun): void => {
    if (terminal(run.status)) return;
    run.polls++;
    if (run.aborted) finish(run, 'ABORTED');
    else if (run.polls >= run.pollsToFinish) finish(run, run.outcome);
    else run.status = 'RUNNING';
  };

  /** Apify holds the request up to waitForFinish seconds (max 60) while the run is not finished. */
  const holdFor = async (run: FakeRun, call: RecordedCall): Promise<void> => {
    const asked = Number(call.query.waitForFinish ?? '0');
    if (terminal(run.status) || !Number.isFinite(asked) || asked <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(asked, 60, maxWaitSec) * 1000));
  };

  const authorized = (call: RecordedCall): boolean => {
    const auth = call.headers.authorization;
    const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : null;
    return (bearer ?? call.query.token) === token;
  };

  /** The xtech actor's input schema: `urls` required, `resolution` from its list. */
  const validateInput = (body: unknown): { input: Record<string, unknown> } | { reply: Reply } => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return { reply: err(400, 'invalid-input', 'Input must be a JSON object') };
    }
    const input = body as Record<string, unknown>;
    if (!Array.isArray(input.urls) || input.urls.length === 0 || !input.urls.every((u) => typeof u === 'string')) {
      return { reply: err(400, 'invalid-input', 'Input is not valid: Field input.urls is required') };
    }
    if (input.resolution !== undefined && !APIFY_RESOLUTIONS.includes(String(input.resolution))) {
      return {
        reply: err(400, 'invalid-input', `Input is not valid: Field input.resolution must be equal to one of the allowed values: ${APIFY_RESOLUTIONS.join(', ')}`),
      };
    }
    return { input };
  };

  const createRun = (call: RecordedCall, actor: string): FakeRun | Reply => {
    if (!actors.has(actor)) return err(404, 'actor-not-found', 'Actor was not found');
    const checked = validateInput(call.body);
    if ('reply' in checked) return checked.reply;
    const id = apifyId();
    const run: FakeRun = {
      id,
      actId: actor === APIFY_ACTOR ? APIFY_ACTOR_ID : actor,
      status: 'READY',
      statusMessage: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      defaultDatasetId: apifyId(),
      input: checked.input,
      polls: 0,
      pollsToFinish: scenario.pollsToFinish,
      outcome: scenario.outcome,
      aborted: false,
    };
    runs.set(id, run);
    datasets.set(run.defaultDatasetId, []);
    if (run.pollsToFinish <= 0) finish(run, run.outcome);
    return run;
  };

  const server = await startFakeServer<ApifyRoute>({
    controls: scenario,
    route(call) {
      const p = call.path.split('/').filter(Boolean).map(decodeURIComponent);
      if (p[0] !== 'v2') return null;
      if (call.method === 'POST' && p[1] === 'acts' && p.length === 4 && p[3] === 'runs') return 'createRun';
      if (call.method === 'POST' && p[1] === 'acts' && p.length === 4 && p[3] === 'run-sync-get-dataset-items') return 'runSync';
      if (call.method === 'GET' && p[1] === 'actor-runs' && p.length === 3) return 'getRun';
      if (call.method === 'POST' && p[1] === 'actor-runs' && p.length === 4 && p[3] === 'abort') return 'abortRun';
      if (call.method === 'GET' && p[1] === 'datasets' && p.length === 4 && p[3] === 'items') return 'datasetItems';
      return null;
    },
    notFound: () => err(404, 'page-not-found', 'We have bad news: there is no API endpoint at this URL.'),
    async handle(route, call) {
      const p = call.path.split('/').filter(Boolean).map(decodeURIComponent);
      // anonymous reads of a dataset by its id are allowed; everything else needs the token
      if (!(route === 'datasetItems' && !call.headers.authorization && !call.query.token) && !authorized(call)) {
        return err(401, 'token-not-valid', 'Authentication token is not valid.');
      }
      switch (route) {
        case 'createRun': {
          const run = createRun(call, p[2] ?? '');
          if (!('id' in run)) return run;
          await holdFor(run, call);
          return { status: 201, body: { data: runJson(run) }, headers: { location: `/v2/actor-runs/${run.id}` } };
        }
        case 'runSync': {
          const run = createRun(call, p[2] ?? '');
          if (!('id' in run)) return run;
          if (scenario.syncTimesOut) {
            run.status = 'RUNNING';
            return err(408, 'run-timeout-exceeded', `Actor run exceeded the timeout of 300 seconds for this API endpoint (run ID: ${run.id})`);
          }
          if (!terminal(run.status)) finish(run, run.outcome);
          if (run.status !== 'SUCCEEDED') {
            return err(400, 'run-failed', `Actor run did not succeed (run ID: ${run.id}, status: ${run.status})`);
          }
          return { status: 201, body: datasets.get(run.defaultDatasetId) ?? [] };
        }
        case 'getRun': {
          const run = runs.get(p[2] ?? '');
          if (!run) return err(404, 'record-not-found', 'Actor run was not found');
          advance(run);
          await holdFor(run, call);
          return { status: 200, body: { data: runJson(run) } };
        }
        case 'abortRun': {
          const run = runs.get(p[2] ?? '');
          if (!run) return err(404, 'record-not-found', 'Actor run was not found');
          if (!terminal(run.status)) {
            run.aborted = true;
            run.status = 'ABORTING';
          }
          return { status: 200, body: { data: runJson(run) } };
        }
        case 'datasetItems': {
          const items = datasets.get(p[2] ?? '');
          if (!items) return err(404, 'record-not-found', 'Dataset was not found');
          if ((call.query.format ?? 'json') !== 'json') return err(400, 'invalid-parameter', 'This fake only speaks format=json');
          const offset = Number(call.query.offset ?? '0') || 0;
          const limit = call.query.limit ? Number(call.query.limit) : items.length;
          const page = items.slice(offset, offset + limit);
          return {
            status: 200,
            body: page,
            headers: {
              'x-apify-pagination-offset': String(offset),
              'x-apify-pagination-limit': String(limit),
              'x-apify-pagination-count': String(page.length),
              'x-apify-pagination-total': String(items.length),
            },
          };
        }
      }
    },
  });

  return { ...server, scenario, token, runs, datasets };
}
