import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useClient } from '../client/context';
import { useJobs } from '../store/jobs';
import { JobRow, ROW_HEIGHT } from './JobRow';

/** Rows rendered beyond each edge, so a fast scroll shows rows rather than blank space for a frame. */
const OVERSCAN = 6;
/** Before the first layout (and where there is none, as in tests) assume a tall window rather than render nothing. */
const FALLBACK_HEIGHT = 800;

/**
 * The queue can hold 10 000 jobs: only the rows in view (plus a margin) are in the DOM, placed by index on a
 * spacer as tall as the whole list. Arrow keys move the selection and keep it in view.
 */
export function JobList() {
  const client = useClient();
  const order = useJobs((s) => s.order);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const viewport = height || FALLBACK_HEIGHT;
  const pageRows = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);

  // Only keyboard moves scroll: a selected job that starts and jumps to the top must not drag the view along.
  const reveal = (index: number) => {
    const el = scroller.current;
    if (!el || index < 0) return;
    const top = index * ROW_HEIGHT;
    const next = top < el.scrollTop ? top : top + ROW_HEIGHT > el.scrollTop + viewport ? top + ROW_HEIGHT - viewport : null;
    if (next === null) return;
    el.scrollTop = next;
    // render the rows there now rather than on the scroll event a frame later
    setScrollTop(next);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: pageRows,
      PageUp: -pageRows,
      Home: -order.length,
      End: order.length,
    };
    const delta = moves[event.key];
    if (delta === undefined || event.target !== event.currentTarget) return;
    event.preventDefault();
    void useJobs.getState().moveSelection(client, delta);
    // moveSelection sets the selection before it fetches the details
    const selected = useJobs.getState().selectedId;
    reveal(selected === null ? -1 : order.indexOf(selected));
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(order.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  return (
    <div ref={scroller} className="job-scroll" onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
      <div
        role="list"
        aria-label="Jobs"
        tabIndex={0}
        className="job-list"
        style={{ height: order.length * ROW_HEIGHT }}
        onKeyDown={onKeyDown}
      >
        {order.slice(first, last).map((id, i) => (
          <JobRow key={id} id={id} index={first + i} count={order.length} />
        ))}
      </div>
    </div>
  );
}
