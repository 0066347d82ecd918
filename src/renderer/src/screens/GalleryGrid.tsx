import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { useStore } from 'zustand';
import type { Item } from '../../../shared/contract';
import { useClient } from '../client/context';
import type { LibraryStore } from '../store/library';
import { CARD, GalleryCard, PlaceholderCard } from './GalleryCard';

/** Rows rendered above and below the visible ones, so a fast scroll rarely shows empty space. */
const OVERSCAN_ROWS = 2;
const ROW_HEIGHT = CARD.height + CARD.gap;
const COLUMN_WIDTH = CARD.width + CARD.gap;

/**
 * The scroll box's size. Until it is measured (and where nothing is laid out) the window stands in for it, so
 * the very first render already holds the cards of the first screen.
 */
function useBoxSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState(() => ({ width: window.innerWidth, height: window.innerHeight }));
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      if (el.clientWidth === 0) return;
      setSize((old) => (old.width === el.clientWidth && old.height === el.clientHeight ? old : { width: el.clientWidth, height: el.clientHeight }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Where arrow, page and Home/End keys move from `from`, or undefined for keys the grid leaves alone. */
function keyTarget(key: string, from: number, columns: number, pageRows: number, total: number): number | undefined {
  const moves: Record<string, number> = {
    ArrowRight: from + 1,
    ArrowLeft: from - 1,
    ArrowDown: from + columns,
    ArrowUp: from - columns,
    PageDown: from + pageRows * columns,
    PageUp: from - pageRows * columns,
    Home: 0,
    End: total - 1,
  };
  const to = moves[key];
  return to === undefined ? undefined : Math.min(total - 1, Math.max(0, to));
}

/**
 * The virtualized Library list: fixed-size cards, columns from the box width, and only the visible rows (plus
 * overscan) in the DOM, so a 10 000-item library costs the same to render and scroll as a 50-item one.
 */
export function GalleryGrid({ store, onOpen }: { store: LibraryStore; onOpen(item: Item): void }) {
  const client = useClient();
  const total = useStore(store, (s) => s.total) ?? 0;
  const items = useStore(store, (s) => s.items);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const size = useBoxSize(scrollerRef);
  // The first visible row, not the scroll offset: scrolling within a row renders nothing.
  const [topRow, setTopRow] = useState(0);
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);

  const columns = Math.max(1, Math.floor((size.width + CARD.gap) / COLUMN_WIDTH));
  const rows = Math.ceil(total / columns);
  const pageRows = Math.max(1, Math.floor(size.height / ROW_HEIGHT));
  const firstRow = Math.max(0, topRow - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, topRow + pageRows + OVERSCAN_ROWS);
  const first = firstRow * columns;
  const last = Math.min(total, (lastRow + 1) * columns) - 1;

  useEffect(() => {
    store.getState().showRange(first, Math.max(first, last));
  }, [store, first, last]);

  // A key press may target a card that is off screen or still loading: focus it once it is rendered.
  useEffect(() => {
    if (!focusPending.current) return;
    const button = scrollerRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    if (!button) return;
    focusPending.current = false;
    button.focus();
  });

  function moveTo(index: number): void {
    const el = scrollerRef.current;
    if (!el) return;
    const rowTop = Math.floor(index / columns) * ROW_HEIGHT;
    if (rowTop < el.scrollTop) el.scrollTop = rowTop;
    else if (rowTop + CARD.height > el.scrollTop + size.height) el.scrollTop = rowTop + CARD.height - size.height;
    setTopRow(Math.floor(el.scrollTop / ROW_HEIGHT));
    setActive(index);
    focusPending.current = true;
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (total === 0) return;
    const to = keyTarget(event.key, active, columns, pageRows, total);
    if (to === undefined) return;
    event.preventDefault();
    moveTo(to);
  }

  const activeShown = active >= first && active <= last && items.has(active);
  const cards = [];
  for (let index = first; index <= last; index++) {
    const top = Math.floor(index / columns) * ROW_HEIGHT;
    const left = (index % columns) * COLUMN_WIDTH;
    const item = items.get(index);
    cards.push(
      item ? (
        <GalleryCard
          key={index}
          item={item}
          index={index}
          total={total}
          thumbnailUrl={item.thumbnail ? client.mediaUrl(item.id, 'thumbnail') : null}
          top={top}
          left={left}
          tabbable={activeShown ? index === active : index === first}
          onOpen={onOpen}
          onFocusCard={setActive}
        />
      ) : (
        <PlaceholderCard key={index} index={index} total={total} top={top} left={left} />
      ),
    );
  }

  return (
    <div className="gallery-scroller" ref={scrollerRef} onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT))}>
      <div
        role="list"
        aria-label="Library"
        className="gallery-grid"
        style={{ height: Math.max(0, rows * ROW_HEIGHT - CARD.gap) }}
        onKeyDown={onKeyDown}
      >
        {cards}
      </div>
    </div>
  );
}
