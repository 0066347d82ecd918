import type { Client } from '../../../shared/contract';
import type { MediaKind } from '../../../shared/wire';

export type ConnectionState = 'connected' | 'reconnecting';

/** The contract client plus what only the transport knows: where media lives and whether the link is up. */
export interface AppClient extends Client {
  readonly host: 'desktop' | 'browser';
  /** URL for a library item's file, thumbnail or keyframe, usable in `<video src>` and `<img src>`. */
  mediaUrl(itemId: number, kind: MediaKind): string;
  /** Reports when the event stream drops and comes back (browser only; IPC never drops). */
  onConnection(handler: (state: ConnectionState) => void): () => void;
}
