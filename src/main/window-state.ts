/** The main window's size, position and maximized flag across runs, kept on screens that still exist. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Without x/y Electron centres the window on the primary display. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1200, height: 800 } as const;
export const MIN_SIZE = { width: 720, height: 480 } as const;
/** How much of the window must show on a display to keep its position: enough to grab the title bar. */
const MIN_VISIBLE = { width: 120, height: 40 } as const;

const int = z.number().int().min(-100_000).max(100_000);
const StateSchema = z.object({
  x: int.optional(),
  y: int.optional(),
  width: int.positive(),
  height: int.positive(),
  maximized: z.boolean().default(false),
});

/** A missing or damaged file means defaults, never a failed start. */
export function readWindowState(file: string): WindowState | null {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Written to a temporary file and renamed, so a crash mid-write leaves the previous state. */
export function writeWindowState(file: string, state: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), Math.max(lo, hi));

/**
 * Fits saved bounds to the displays there are now (a monitor may have been unplugged or rearranged): the window
 * stays on the display it overlaps most, shrunk to its work area and moved fully inside it. When no display shows
 * enough of it, it is centred on the primary display instead.
 */
export function clampWindowState(saved: WindowState | null, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  const fit = (size: number, min: number, max: number | undefined) => Math.round(clamp(size, min, max ?? size));
  const state = saved ?? { ...DEFAULT_SIZE, maximized: false };
  const centred = (area: Rect | undefined): WindowState => ({
    width: fit(state.width, MIN_SIZE.width, area?.width),
    height: fit(state.height, MIN_SIZE.height, area?.height),
    maximized: state.maximized,
  });
  if (state.x === undefined || state.y === undefined) return centred(primary);

  const bounds: Rect = { x: state.x, y: state.y, width: state.width, height: state.height };
  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of workAreas) {
    const o = overlap(bounds, area);
    if (o.width >= MIN_VISIBLE.width && o.height >= MIN_VISIBLE.height && o.width * o.height > bestArea) {
      best = area;
      bestArea = o.width * o.height;
    }
  }
  if (!best) return centred(primary);
  const width = fit(state.width, MIN_SIZE.width, best.width);
  const height = fit(state.height, MIN_SIZE.height, best.height);
  return {
    x: Math.round(clamp(state.x, best.x, best.x + best.width - width)),
    y: Math.round(clamp(state.y, best.y, best.y + best.height - height)),
    width,
    height,
    maximized: state.maximized,
  };
}
