/** Where a key or a paste belongs to the focused control rather than to the app's shortcuts. */

/** Fields that take typed text: `/` and Ctrl+V are theirs. */
export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

/** Controls that Space activates by themselves (a button, a checkbox): Space is theirs too. */
export function isInteractive(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return isEditable(target) || target.closest('button, a[href], summary, [role="button"], [role="checkbox"]') !== null;
}

export const hasModifier = (event: KeyboardEvent) => event.ctrlKey || event.metaKey || event.altKey;
