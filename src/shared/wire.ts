/**
 * How the contract travels: the same envelope over Electron IPC and HTTP, the same event frames over IPC and the
 * WebSocket, and the names each transport derives from the contract (never written by hand anywhere else).
 */
import {
  EVENT_NAMES,
  isMethodName,
  METHOD_NAMES,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput,
} from './contract';
import { AppErrorSchema, type AppErrorData, type ErrorCode } from './errors';

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: AppErrorData };

export interface EventFrame<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

/** IPC: one invoke channel per method, one push channel for every event. */
export const IPC_CALL_PREFIX = 'clipharbor:call:';
export const IPC_EVENT_CHANNEL = 'clipharbor:event';
export const IPC_CALL_CHANNELS: readonly string[] = METHOD_NAMES.map((m) => IPC_CALL_PREFIX + m);

export function methodOfChannel(channel: string): MethodName | null {
  if (!channel.startsWith(IPC_CALL_PREFIX)) return null;
  const name = channel.slice(IPC_CALL_PREFIX.length);
  return isMethodName(name) ? name : null;
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** What the preload exposes as `window.clipharbor`: envelopes, not thrown errors, so codes survive IPC. */
export interface PreloadApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Envelope<MethodOutput<M>>>;
  /** Events that arrived before the first handler for their name are delivered to it, in order. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
  readonly platform: string;
}

/** Desktop media protocol: `clipharbor-media://item/<id>/<kind>`. */
export const MEDIA_SCHEME = 'clipharbor-media';
/** What a media URL names: an item's file, its thumbnail, or its keyframe i (`keyframe/<i>`). */
export type MediaKind = 'media' | 'thumbnail' | `keyframe/${number}`;
/** The kinds as a regular-expression alternation, for the routes that read them back; indexes without leading zeros. */
export const MEDIA_KIND_PATTERN = 'media|thumbnail|keyframe/(?:0|[1-9]\\d{0,2})';

/** HTTP: `POST /api/<method>` with the JSON input as body; events on the WebSocket at `/api/events`. */
export const HTTP_API_PREFIX = '/api/';
export const HTTP_EVENTS_PATH = '/api/events';
/** Library files by item id only, so no client-supplied path ever reaches the file system. */
export const mediaPath = (itemId: number, kind: MediaKind): string => `/media/${itemId}/${kind}`;
export const TOKEN_COOKIE = 'clipharbor_token';
export const TOKEN_QUERY = 'token';

const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_INVALID_INPUT: 400,
  ERR_INVALID_URL: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_NOT_FOUND: 404,
  ERR_BAD_STATE: 409,
  ERR_UNSUPPORTED: 501,
  ERR_BINARY_MISSING: 503,
  ERR_DATA_LOCKED: 503,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Reads an error envelope from any peer; anything malformed becomes ERR_UNKNOWN rather than a crash. */
export function errorFromWire(body: unknown, fallback: string): AppErrorData {
  const candidate = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : undefined;
  const parsed = AppErrorSchema.safeParse(candidate);
  return parsed.success ? parsed.data : { code: 'ERR_UNKNOWN', message: fallback };
}
