/** How Settings controls save: shared by the descriptor-driven fields and the hand-made editors (provider order). */
import { startTransition, useOptimistic } from 'react';
import type { Settings } from '../../../shared/contract';

/** What a change is saved under, and how the status line and errors name it. */
export interface SaveTarget {
  key: keyof Settings;
  label: string;
}

/** Saves one change; resolves false when the engine refused it (its sentence is then shown by the control). */
export type Save = (target: SaveTarget, value: unknown) => Promise<boolean>;

/**
 * Controls that save on change show the new value at once, while the engine is asked: a controlled input would
 * otherwise snap back until the answer arrives. If the engine refuses, the saved value comes back.
 */
export function useSavedValue<T>(saved: T, save: (value: T) => Promise<boolean>): [T, (value: T) => void] {
  const [shown, show] = useOptimistic(saved);
  const change = (value: T) =>
    startTransition(async () => {
      show(value);
      await save(value);
    });
  return [shown, change];
}
