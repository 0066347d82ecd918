import type { Client } from '../../../shared/contract';

export type ConnectionState = 'connected' | 'reconnecting';

/** The contract client plus what only the transport knows: where media lives and whether the link is up. */
export interface AppClient extends Client {
  readonly host: 'desktop' | 'browser';
  /** URL for a library item's file or thumbnail, usable in `<video src>` and `<img src>`. */
  mediaUrl(itemId: number, kind: 'media' | 'thumbnail'): string;
  /** Reports when the event stream drops and comes back (browser only; IPC never drops). */
  onConnection(handler: (state: ConnectionState) => void): () => void;
}
