import { Fragment, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { Item, Keyframe } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { formatBytes, formatDuration } from '../../../shared/format';
import { useClient } from '../client/context';
import { sourceLabel } from '../format';
import { useSettings } from '../store/settings';
import { resolutionLabel } from './GalleryCard';

/** yt-dlp reports upload dates as YYYYMMDD. */
function formatUploadDate(raw: string | null): string | null {
  const m = raw ? /^(\d{4})(\d{2})(\d{2})$/.exec(raw) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : raw;
}

function formatBitrate(bitsPerSec: number): string {
  return bitsPerSec >= 1_000_000 ? `${(bitsPerSec / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bitsPerSec / 1000)} kb/s`;
}

function facts(item: Item): Array<[string, string]> {
  const list: Array<[string, string | null]> = [
    ['Duration', item.durationSec === null ? null : formatDuration(item.durationSec)],
    ['Resolution', item.width !== null && item.height !== null ? `${item.width}×${item.height} (${resolutionLabel(item)})` : 'Audio only'],
    ['Frame rate', item.fps === null ? null : `${Number(item.fps.toFixed(2))} fps`],
    ['Codecs', [item.vcodec, item.acodec].filter(Boolean).join(' + ') || null],
    ['Size', formatBytes(item.bytes)],
    ['Bitrate', item.bitrate === null ? null : formatBitrate(item.bitrate)],
    ['Added', new Date(item.createdAt).toLocaleString()],
  ];
  return list.filter((fact): fact is [string, string] => fact[1] !== null);
}

/** Stock sites (Pexels, Pixabay) ask for credit to the author. */
function Attribution({ item }: { item: Item }) {
  return (
    <p className="player-attribution">
      Video by {item.attributionUrl ? <a href={item.attributionUrl} target="_blank" rel="noopener noreferrer">{item.attributionName}</a> : item.attributionName} on{' '}
      {sourceLabel(item.source)}
    </p>
  );
}

/** Asks inline which kind of delete is meant: a window.confirm cannot offer two different answers. */
function DeleteChoice({ busy, onDelete }: { busy: boolean; onDelete(deleteFile: boolean): void }) {
  const [asking, setAsking] = useState(false);
  const questionId = useId();
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Delete
      </button>
    );
  }
  return (
    <div role="group" aria-labelledby={questionId} className="player-confirm">
      <span id={questionId}>Remove this video from the library only, or delete its file from disk too?</span>
      <button type="button" disabled={busy} onClick={() => onDelete(false)}>
        Remove from library
      </button>
      <button type="button" className="danger" disabled={busy} onClick={() => onDelete(true)}>
        Delete file too
      </button>
      {/* The least destructive answer takes the focus. */}
      <button type="button" autoFocus onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}

/** Stills of the video (its scene changes, or evenly spaced); each one moves the player to its moment. */
function KeyframeStrip({ item, onSeek }: { item: Item; onSeek(timeSec: number): void }) {
  const client = useClient();
  const [keyframes, setKeyframes] = useState<Keyframe[]>([]);
  useEffect(() => {
    let live = true;
    client.call('library.get', { id: item.id }).then(
      (detail) => {
        if (live) setKeyframes(detail.keyframes);
      },
      // the strip is an extra: without it the player still plays, and a removed item closes the dialog anyway
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, item.id]);
  if (keyframes.length === 0) return null;
  return (
    <ul className="player-keyframes" aria-label="Keyframes">
      {keyframes.map((k) => (
        <li key={k.index}>
          <button type="button" aria-label={`Jump to ${formatDuration(k.timeSec)}`} onClick={() => onSeek(k.timeSec)}>
            <img src={client.mediaUrl(item.id, `keyframe/${k.index}`)} alt="" loading="lazy" />
            {formatDuration(k.timeSec)}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A modal dialog playing one library item, with its details and actions. */
export function GalleryPlayer({ item, onClose }: { item: Item; onClose(): void }) {
  const client = useClient();
  const canReveal = useSettings((s) => s.info?.host.canReveal ?? false);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A modal <dialog> keeps focus inside and makes the page behind it inert; focus goes back to the card after.
  useLayoutEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(toAppError(err).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function remove(deleteFile: boolean): Promise<void> {
    if (await run(() => client.call('library.remove', { id: item.id, deleteFile }))) onClose();
  }

  const byline = [item.uploader, formatUploadDate(item.uploadDate)].filter(Boolean).join(' · ');
  return (
    <dialog
      ref={dialogRef}
      className="player"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: React decides when the dialog goes away, not the browser.
        event.preventDefault();
        onClose();
      }}
    >
      <div className="player-head">
        <h3 id={titleId}>{item.title}</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <video ref={videoRef} className="player-video" controls preload="metadata" src={client.mediaUrl(item.id, 'media')} aria-label={item.title} />
      <KeyframeStrip
        item={item}
        onSeek={(timeSec) => {
          if (videoRef.current) videoRef.current.currentTime = timeSec;
        }}
      />
      {byline && <p className="player-byline">{byline}</p>}
      <p>
        <a href={item.url} target="_blank" rel="noopener noreferrer">
          Open on {item.source}
        </a>
      </p>
      {item.attributionName && <Attribution item={item} />}
      <dl className="facts">
        {facts(item).map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <div className="player-actions">
        {canReveal && (
          <button type="button" disabled={busy} onClick={() => void run(() => client.call('library.reveal', { id: item.id }))}>
            Show in folder
          </button>
        )}
        <DeleteChoice busy={busy} onDelete={(deleteFile) => void remove(deleteFile)} />
      </div>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
    </dialog>
  );
}
