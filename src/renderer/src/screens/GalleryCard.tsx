import { memo } from 'react';
import type { Item } from '../../../shared/contract';
import { formatDuration } from '../../../shared/format';

/** Fixed card box in px: the grid computes columns and rows from it, so layout never waits on measuring cards. */
export const CARD = { width: 232, height: 204, gap: 12 } as const;

/** "1080p" from the short side (a portrait 1080×1920 video is 1080p too); "audio" when there is no picture. */
export function resolutionLabel(item: Pick<Item, 'width' | 'height'>): string {
  if (item.height === null) return 'audio';
  return `${item.width === null ? item.height : Math.min(item.width, item.height)}p`;
}

interface CardProps {
  item: Item;
  index: number;
  total: number;
  thumbnailUrl: string | null;
  top: number;
  left: number;
  /** Roving tab stop: only one card in the grid is reachable with Tab, arrows move between them. */
  tabbable: boolean;
  onOpen(item: Item): void;
  onFocusCard(index: number): void;
}

/** Memoized: while scrolling only the cards entering the window render, not the ones already on screen. */
export const GalleryCard = memo(function GalleryCard({ item, index, total, thumbnailUrl, top, left, tabbable, onOpen, onFocusCard }: CardProps) {
  return (
    <div role="listitem" aria-label={item.title} aria-posinset={index + 1} aria-setsize={total} className="gallery-card" style={cardBox(top, left)}>
      <button
        type="button"
        className="gallery-card-open"
        data-index={index}
        tabIndex={tabbable ? 0 : -1}
        onClick={() => onOpen(item)}
        onFocus={() => onFocusCard(index)}
      >
        {thumbnailUrl ? (
          <img className="gallery-thumb" src={thumbnailUrl} alt="" loading="lazy" decoding="async" />
        ) : (
          <span className="gallery-thumb gallery-thumb-empty" aria-hidden="true" />
        )}
        <span className="gallery-card-title">{item.title}</span>
        <span className="gallery-card-meta">
          <span>{formatDuration(item.durationSec)}</span>
          <span>{resolutionLabel(item)}</span>
          <span className="gallery-card-source">{item.source}</span>
        </span>
      </button>
    </div>
  );
});

/** Stands in for a card whose page is still loading, so the scrollbar and positions stay exact. */
export function PlaceholderCard({ index, total, top, left }: { index: number; total: number; top: number; left: number }) {
  return (
    <div
      role="listitem"
      aria-label="Loading"
      aria-busy="true"
      aria-posinset={index + 1}
      aria-setsize={total}
      className="gallery-card gallery-card-loading"
      style={cardBox(top, left)}
    >
      <span className="gallery-thumb gallery-thumb-empty" aria-hidden="true" />
    </div>
  );
}

function cardBox(top: number, left: number) {
  return { top, left, width: CARD.width, height: CARD.height };
}
